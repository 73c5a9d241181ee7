// Command ceiling301 is the ceiling of the urlredirect benchmark (test/bench/urlredirect.sh):
// a minimal net/http server that answers every request with the same 301, the same Location
// and a body of the same shape as urlredirect's, over HTTP and HTTPS (HTTP/1.1 keep-alive,
// HTTP/2 when a client asks for it by ALPN). What urlredirect does on top of this (parsing the
// Host, looking it up through the DNS chain, building the Location) is what the benchmark's
// ratio measures, so the headers and the server's timeouts are the redirector's own.
//
//	ceiling301 -http 127.0.0.1:18080 -https 127.0.0.1:18443 -cert c.pem -key k.pem
package main

import (
	"crypto/tls"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"time"
)

func main() {
	httpAddr := flag.String("http", "", "HTTP listener, HOST:PORT")
	httpsAddr := flag.String("https", "", "HTTPS listener, HOST:PORT (needs -cert and -key)")
	certFile := flag.String("cert", "", "PEM certificate for -https")
	keyFile := flag.String("key", "", "PEM key for -https")
	loc := flag.String("location", "https://target0001.example.com/bench/path?q=1", "the Location of every answer")
	flag.Parse()

	body := "Redirecting to " + *loc + "\n"
	clen := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hd := w.Header()
		hd.Set("Location", *loc)
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		hd.Set("Content-Length", clen)
		hd.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusMovedPermanently)
		io.WriteString(w, body)
	})
	errc := make(chan error, 2)
	if *httpAddr != "" {
		ln, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			log.Fatal(err)
		}
		go func() { errc <- server(h).Serve(ln) }()
	}
	if *httpsAddr != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		ln, err := net.Listen("tcp", *httpsAddr)
		if err != nil {
			log.Fatal(err)
		}
		srv := server(h)
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	}
	log.Fatal(<-errc)
}

// server has urlredirect's default timeouts, so both servers set the same deadlines.
func server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       5 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
}

package autocert_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
)

// rig is the harness's pebble with the two listeners its validation authority connects
// to for HTTP-01 and TLS-ALPN-01, which the test serves.
type rig struct {
	*harness.Pebble
	httpLn, tlsLn net.Listener
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{httpLn: listenPort(t, harness.FreePort(t)), tlsLn: listenPort(t, harness.FreePort(t))}
	r.Pebble = harness.StartPebble(t, harness.PebbleOptions{HTTPPort: port(r.httpLn), TLSALPNPort: port(r.tlsLn)})
	return r
}

// listenPort listens on 127.0.0.1:port; port 0 picks one.
func listenPort(t *testing.T, port int) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func listen(t *testing.T) net.Listener { return listenPort(t, 0) }

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// serve runs an HTTP server (HTTPS when tc is not nil) on ln until the returned stop.
func serve(t *testing.T, ln net.Listener, h http.Handler, tc *tls.Config) (stop func()) {
	t.Helper()
	srv := &http.Server{Handler: h, TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if tc != nil {
			srv.ServeTLS(ln, "", "")
		} else {
			srv.Serve(ln)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			srv.Close()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

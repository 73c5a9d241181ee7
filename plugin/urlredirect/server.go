package urlredirect

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"
)

// Limits of the redirector's listeners; the timeouts and the connection cap can be set in
// the Corefile.
const (
	defaultMaxConns     = 10000
	defaultReadTimeout  = 5 * time.Second // the request line and headers, so slow clients let go
	defaultWriteTimeout = 10 * time.Second
	defaultIdleTimeout  = 60 * time.Second
	maxHeaderBytes      = 8 * 1024 // request line and headers; a redirect needs no more
	maxBodyBytes        = 1024     // bodies are never read; this caps what a keep-alive drains
	shutdownGrace       = time.Second
)

// serverConfig is what the Corefile says about the redirector's listeners.
type serverConfig struct {
	httpAddrs, httpsAddrs []string
	maxConns              int
	readTimeout           time.Duration
	writeTimeout          time.Duration
	idleTimeout           time.Duration
	certs                 certChain  // for https
	source                CertSource // the cert_source, or nil
}

// servers runs the redirector on the listeners of one plugin instance. A reload stops them
// before the new instance starts its own on the same addresses, and starts them again if
// the reload fails; start and stop can be called any number of times, in any order.
type servers struct {
	cfg     serverConfig
	handler http.Handler

	mu      sync.Mutex
	running []*http.Server
	wg      sync.WaitGroup // one per Serve goroutine
	up      atomic.Bool
}

// start binds every listener, then serves them. If one address cannot be bound, none is
// served and the error names it.
func (s *servers) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running != nil {
		return nil
	}
	type bound struct {
		ln     net.Listener
		secure bool
	}
	var lns []bound
	listen := func(addrs []string, secure bool) error {
		for _, a := range addrs {
			ln, err := net.Listen("tcp", a)
			if err != nil {
				return fmt.Errorf("urlredirect: listening on %s: %v", a, err)
			}
			lns = append(lns, bound{netutil.LimitListener(ln, s.cfg.maxConns), secure})
		}
		return nil
	}
	if err := errors.Join(listen(s.cfg.httpAddrs, false), listen(s.cfg.httpsAddrs, true)); err != nil {
		for _, b := range lns {
			b.ln.Close()
		}
		return err
	}
	plain := s.handler
	if s.cfg.source != nil {
		plain = s.cfg.source.HTTPHandler(plain)
	}
	for _, b := range lns {
		srv := s.newServer(plain, b.secure)
		s.running = append(s.running, srv)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			var err error
			if b.secure {
				err = srv.ServeTLS(b.ln, "", "") // certificates from TLSConfig; h2 added by net/http
			} else {
				err = srv.Serve(b.ln)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Errorf("Redirector on %s stopped: %v", b.ln.Addr(), err)
			}
		}()
	}
	s.up.Store(true)
	return nil
}

// stop closes the listeners, lets requests in progress finish for a short grace period,
// closes every connection and returns when every goroutine of the servers has ended.
func (s *servers) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.up.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	for _, srv := range s.running {
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
	}
	s.wg.Wait()
	s.running = nil
}

func (s *servers) newServer(h http.Handler, secure bool) *http.Server {
	srv := &http.Server{
		Handler:           limitBody(h),
		ReadHeaderTimeout: s.cfg.readTimeout,
		ReadTimeout:       s.cfg.readTimeout,
		WriteTimeout:      s.cfg.writeTimeout,
		IdleTimeout:       s.cfg.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         trackConn,
		ErrorLog:          stdlog.New(serverLog{}, "", 0),
	}
	if secure {
		srv.TLSConfig = &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: s.cfg.certs.GetCertificate,
			// Called on every completed server handshake.
			VerifyConnection: func(tls.ConnectionState) error {
				tlsHandshakes.WithLabelValues("ok").Inc()
				return nil
			},
		}
		if s.cfg.source != nil {
			// Offering acme-tls/1 lets an ACME source answer TLS-ALPN-01 challenges (RFC
			// 8737) on this listener; net/http serves h2 and http/1.1 as before.
			srv.TLSConfig.NextProtos = []string{"h2", "http/1.1", acmeTLS1}
		}
	}
	return srv
}

// limitBody caps the request body: the redirector never reads it, and net/http would
// otherwise drain up to 256 KiB of it to keep a connection alive. A request without a
// body (net/http gives it http.NoBody) needs no cap, and saves the reader's allocation.
func limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		h.ServeHTTP(w, r)
	})
}

// trackConn keeps connections_in_flight: every connection goes through StateNew once and
// ends in StateClosed or StateHijacked once.
func trackConn(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		connsInFlight.Inc()
	case http.StateClosed, http.StateHijacked:
		connsInFlight.Dec()
	}
}

// serverLog receives net/http's error log: failed TLS handshakes are counted, everything is
// logged at debug level (clients that misbehave are not the operator's problem).
type serverLog struct{}

func (serverLog) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("TLS handshake error")) {
		tlsHandshakes.WithLabelValues("error").Inc()
	}
	log.Debug(string(bytes.TrimSpace(p)))
	return len(p), nil
}

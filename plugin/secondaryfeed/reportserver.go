package secondaryfeed

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/validate"
)

// reportServer serves the zones' validation reports as JSON (validate.Handler) on addr.
// It is stopped before a reload starts the next instance, which listens on the same
// address, and started again if the reload fails.
type reportServer struct {
	addr    string
	reports func() []report.Report

	mu    sync.Mutex
	srv   *http.Server
	done  chan struct{} // closed when Serve returned
	bound string        // the address listened on (addr may ask for port 0)
}

// start listens and serves in the background; a running server is left alone.
func (s *reportServer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.srv = &http.Server{
		Handler:           http.MaxBytesHandler(validate.Handler(s.reports), 1<<10),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
	s.done, s.bound = make(chan struct{}), ln.Addr().String()
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Errorf("Report server on %s: %v", s.addr, err)
		}
	}(s.srv, s.done)
	return nil
}

// stop closes the listener and the connections, and waits for the server to end.
func (s *reportServer) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	s.srv, s.done = nil, nil
	return err
}

// Package api is abusepool's HTTP JSON API: the inspection lists and rates, and the rules,
// created, listed, changed and deleted at run time. Every endpoint needs the token when one
// is set; without a token the API only listens on a loopback address.
package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

var log = clog.NewWithPlugin("abusepool")

// Limits of the HTTP server.
const (
	MaxBody           = 64 << 10
	maxHeaderBytes    = 16 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
)

// Backend is what the API shows and changes: the inspector's lists and the rule state.
type Backend interface {
	Top(q inspect.Query) (inspect.Top, error)
	Rates(window time.Duration) inspect.Rates
	Rules() []rules.Rule
	Get(id string) (rules.Rule, bool)
	Put(ctx context.Context, r rules.Rule) (rules.Rule, error)
	Add(ctx context.Context, r rules.Rule) (rules.Rule, error)
	Delete(ctx context.Context, id string) error
}

// Server serves the API on one address.
type Server struct {
	addr  string
	token string
	b     Backend
	srv   *http.Server

	mu   sync.Mutex
	ln   net.Listener
	done chan struct{}
}

// New checks the address and returns a Server; nothing listens until Start. Without a token
// the address must be a loopback one: the API changes what the server answers.
func New(addr, token string, b Backend) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("abusepool api address %q: %w", addr, err)
	}
	if token == "" && !loopback(host) {
		return nil, fmt.Errorf("abusepool api address %q is not a loopback address: set a token to serve it there", addr)
	}
	s := &Server{addr: addr, token: token, b: b}
	s.srv = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	return s, nil
}

// loopback reports whether host names only this machine: a loopback IP or "localhost".
// The empty host (every interface) is not.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Start listens and serves in the background.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("abusepool api: started twice")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("abusepool api: %w", err)
	}
	s.ln, s.done = ln, make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Errorf("API server on %s stopped: %v", ln.Addr(), err)
		}
	}()
	log.Infof("API listening on %s", ln.Addr())
	return nil
}

// Stop closes the listener, lets requests in flight finish until ctx ends, and waits for the
// serving goroutine.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = errors.Join(err, s.srv.Close())
	}
	if done != nil {
		<-done
	}
	return err
}

// Addr is the address listened on (with the port chosen when it was 0), or the configured
// one before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return s.addr
	}
	return s.ln.Addr().String()
}

package sqlbackend_test

import (
	"net"
	"sync"
	"testing"
)

// proxy is a TCP proxy the test controls, between the server under test and
// MariaDB or Redis, to take the service away and bring it back without
// stopping the shared server other tests use.
type proxy struct {
	Addr   string
	target string
	ln     net.Listener

	mu    sync.Mutex
	up    bool
	conns map[net.Conn]struct{}
	thaw  chan struct{} // not nil while frozen: closed by Thaw
}

func newProxy(t testing.TB, target string, up bool) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{Addr: ln.Addr().String(), target: target, ln: ln, up: up, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.Cut() })
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		up := p.up
		p.mu.Unlock()
		if !up {
			c.Close() // "connection refused", as near as TCP allows
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

// pipe copies from b to a, holding what it read while the proxy is frozen.
func (p *proxy) pipe(a, b net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := b.Read(buf)
		if n > 0 {
			p.mu.Lock()
			thaw := p.thaw
			p.mu.Unlock()
			if thaw != nil {
				<-thaw
			}
			if _, werr := a.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	a.Close()
	b.Close()
}

// Freeze stops forwarding, keeping every connection open and accepting new
// ones: a database host that hangs (SIGSTOP, a partition) rather than
// refusing.
func (p *proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thaw == nil {
		p.thaw = make(chan struct{})
	}
}

// Thaw forwards again, what was held first.
func (p *proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thaw != nil {
		close(p.thaw)
		p.thaw = nil
	}
}

// Cut drops every connection and refuses new ones.
func (p *proxy) Cut() {
	p.Thaw() // the held pipes then fail on their closed connections
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = false
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
}

// Restore accepts connections again.
func (p *proxy) Restore() {
	p.mu.Lock()
	p.up = true
	p.mu.Unlock()
}

package answercache

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/metrics"
	ctransport "github.com/coredns/coredns/plugin/pkg/transport"

	"github.com/miekg/dns"
)

// The fast path answers hits for a server's UDP/IPv4 queries from a socket of its own,
// before CoreDNS's server loop (miekg/dns's goroutine per packet, the server's routing,
// the plugins above) sees them: packets are read and written in batches, and a hit costs
// a key, a lookup and a copy. Everything else (misses, and whatever the fast path does
// not key from the wire) is handed to the server as miekg/dns would hand it, and
// answered through the whole chain. See README.md, "The fast path".
type fastPaths struct {
	c        *Cache
	prom     *metrics.Metrics // the block's prometheus plugin, nil when it has none
	servers  sync.Map         // *dnsserver.Server -> *fastPath
	mu       sync.Mutex
	stopped  bool
	all      []*fastPath
	position string // where fastpath is in the Corefile, for errors
}

// fastPath is the fast path of one server address.
type fastPath struct {
	bind   string
	c      *Cache
	srv    *dnsserver.Server
	m      *serverMetrics
	report *fastReport
	sock   *fastSocket
	target *net.UDPAddr // where probes are sent

	token  [16]byte
	probes atomic.Int32
	active atomic.Bool // the group hands every packet to this socket
	done   chan struct{}
}

// fastAllowedAbove are the plugins that may sit above answercache in a block with the fast
// path: they do nothing per query that a hit answered before them would skip (prometheus'
// counts are reported by the fast path itself), or they answer, refuse or bypass
// queries the cache never stores (chaos, any, local, nsid's and tsig's requests).
var fastAllowedAbove = map[string]bool{
	"root": true, "metadata": true, "geoip": true, "cancel": true, "timeouts": true,
	"multisocket": true, "reload": true, "bufsize": true, "bind": true, "debug": true,
	"ready": true, "health": true, "pprof": true, "errors": true, "local": true, "any": true,
	"chaos": true, "nsid": true, "prometheus": true,
}

// fastBlockers returns why the block cannot have the fast path: the plugins above
// answercache that must see every query, and the block's settings a socket of our own
// would bypass.
func fastBlockers(cfg *dnsserver.Config) []string {
	var found []string
	for _, d := range dnsserver.Directives {
		if d == name {
			break
		}
		if !fastAllowedAbove[d] && cfg.Handler(d) != nil {
			found = append(found, d)
		}
	}
	if cfg.ViewName != "" {
		found = append(found, "view")
	}
	if cfg.ProxyProtoConnPolicy != nil {
		found = append(found, "proxyproto")
	}
	if len(cfg.TsigSecret) > 0 {
		found = append(found, "tsig")
	}
	if cfg.Handler("dynupdate") != nil {
		// It opts the server into UPDATE, which the fast path's accept policy (the
		// default one) answers NOTIMP.
		found = append(found, "dynupdate")
	}
	return found
}

// ensure starts the fast path of the server a query came in on, once: the server is only
// known from a query's context, and the port it listens on for UDP (which differs from
// its address when that says port 0) from a UDP query's local address.
func (fp *fastPaths) ensure(ctx context.Context, w dns.ResponseWriter) {
	srv, ok := ctx.Value(dnsserver.Key{}).(*dnsserver.Server)
	if !ok {
		return
	}
	if _, ok := fp.servers.Load(srv); ok {
		return
	}
	local, ok := w.LocalAddr().(*net.UDPAddr)
	if !ok {
		return
	}
	if _, loaded := fp.servers.LoadOrStore(srv, (*fastPath)(nil)); loaded {
		return
	}
	go fp.start(srv, local.Port)
}

// start opens the server's fast socket and claims the server's IPv4 UDP traffic for it.
func (fp *fastPaths) start(srv *dnsserver.Server, port int) {
	bind, target, err := fastAddress(srv.Addr, port)
	if err != nil {
		log.Infof("No fast path for %s: %v", srv.Addr, err)
		return
	}
	if len(srv.TsigSecret) > 0 {
		log.Infof("No fast path for %s: a block on this address verifies TSIG", srv.Addr)
		return
	}
	switch acquireAddress(bind, srv) {
	case errSameServer:
		log.Infof("No fast path for this block of %s: another block on the address has it (hits of this block go through the server loop)", srv.Addr)
		return
	case errStillBound:
		log.Errorf("No fast path for %s: the previous instance's fast path did not stop", srv.Addr)
		return
	}
	sock, err := listenFast(bind)
	if err != nil {
		releaseAddress(bind)
		log.Errorf("No fast path for %s: %v", srv.Addr, err)
		return
	}
	p := &fastPath{bind: bind, c: fp.c, srv: srv, m: fp.c.metrics.get(srv.Addr), report: newFastReport(fp.prom), sock: sock, target: target, done: make(chan struct{})}
	rand.Read(p.token[:])

	fp.mu.Lock()
	if fp.stopped {
		fp.mu.Unlock()
		sock.close()
		releaseAddress(bind)
		return
	}
	fp.all = append(fp.all, p)
	fp.mu.Unlock()
	fp.servers.Store(srv, p)

	go p.serve()
	err = p.claim()
	for try := 1; try < claimTries && err != nil && !errors.Is(err, net.ErrClosed); try++ {
		err = p.claim()
	}
	if err != nil {
		if errors.Is(err, net.ErrClosed) {
			return // stopped while probing
		}
		log.Warningf("Fast path for %s answers only part of the IPv4 UDP queries: %v", srv.Addr, err)
		return
	}
	p.active.Store(true)
	p.m.fastActive.Set(1)
	log.Infof("Fast path for %s answers IPv4 UDP hits", srv.Addr)
}

// stop closes every fast socket and waits for their loops; queries go back to the
// server's own sockets.
func (fp *fastPaths) stop() {
	fp.mu.Lock()
	fp.stopped = true
	all := fp.all
	fp.all = nil
	fp.mu.Unlock()
	for _, p := range all {
		// The group's BPF program stays: it may already be the next instance's, and once
		// this socket is gone it picks another socket of the server or none (the kernel
		// then hashes), both of which answer every query.
		p.sock.close()
		<-p.done
		p.m.fastActive.Set(0)
		releaseAddress(p.bind)
	}
}

// The fast sockets of the process by bound address. A reload starts the new instance
// before it stops the old one; the new fast socket waits for the old one to close, so it
// joins the SO_REUSEPORT group after it and the place it probes for stays its own.
var (
	boundMu   sync.Mutex
	boundCond = sync.NewCond(&boundMu)
	bound     = map[string]*dnsserver.Server{}

	errSameServer = errors.New("a block of the same server has the fast path")
	errStillBound = errors.New("the address stayed bound")
)

const acquireWait = 30 * time.Second

// acquireAddress waits until no fast socket of the process is bound to addr and claims it
// for srv. It fails at once when srv itself has one (another of its blocks started it),
// and with errStillBound when the wait ran out.
func acquireAddress(addr string, srv *dnsserver.Server) error {
	deadline := time.Now().Add(acquireWait)
	timer := time.AfterFunc(acquireWait, func() {
		boundMu.Lock()
		boundCond.Broadcast()
		boundMu.Unlock()
	})
	defer timer.Stop()
	boundMu.Lock()
	defer boundMu.Unlock()
	for bound[addr] != nil {
		if bound[addr] == srv {
			return errSameServer
		}
		if time.Now().After(deadline) {
			return errStillBound
		}
		boundCond.Wait()
	}
	bound[addr] = srv
	return nil
}

func releaseAddress(addr string) {
	boundMu.Lock()
	delete(bound, addr)
	boundCond.Broadcast()
	boundMu.Unlock()
}

// fastAddress returns the address to bind for a server address like "dns://:53" or
// "dns://127.0.0.1:53" listening on port, and where to send probes to reach it.
func fastAddress(addr string, udpPort int) (bind string, target *net.UDPAddr, err error) {
	hostport, ok := strings.CutPrefix(addr, ctransport.DNS+"://")
	if !ok {
		return "", nil, fmt.Errorf("not plain DNS")
	}
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", nil, err
	}
	port := strconv.Itoa(udpPort)
	ip := net.IPv4(127, 0, 0, 1)
	if host != "" {
		if ip = net.ParseIP(host).To4(); ip == nil {
			return "", nil, fmt.Errorf("%s is not an IPv4 address", host)
		}
	} else {
		host = "0.0.0.0"
	}
	udp, err := net.ResolveUDPAddr("udp4", net.JoinHostPort(ip.String(), port))
	if err != nil {
		return "", nil, err
	}
	return net.JoinHostPort(host, port), udp, nil
}

const (
	probeCount   = 16
	probeWait    = 500 * time.Millisecond // loopback takes microseconds; a loaded machine more
	maxGroupSize = 16
	claimTries   = 3
)

// claim makes the SO_REUSEPORT group hand every packet to this socket. A socket bound to
// the wildcard address gets all IPv4 packets by itself (the kernel prefers an IPv4 socket
// to the server's dual-stack one); one bound to the server's own address shares its group,
// where a BPF program picks the socket. The socket's place in the group is found by
// probing: probeCount packets from as many source ports must all arrive here.
func (p *fastPath) claim() error {
	if p.probe() {
		return nil
	}
	for i := 0; i < maxGroupSize; i++ {
		if err := p.sock.steer(i); err != nil {
			return err
		}
		if p.probe() {
			return nil
		}
	}
	p.sock.steer(-1)
	return fmt.Errorf("no place in the SO_REUSEPORT group takes every packet")
}

// probe sends probeCount probes from fresh source ports and reports whether they all
// reached this socket. A probe is a DNS response (which servers ignore) carrying the
// token.
func (p *fastPath) probe() bool {
	p.probes.Store(0)
	pkt := make([]byte, 12+len(p.token))
	pkt[2] = 0x80 // QR: a response, dropped by miekg/dns if it reaches the server
	copy(pkt[12:], p.token[:])
	for i := 0; i < probeCount; i++ {
		c, err := net.DialUDP("udp4", nil, p.target)
		if err != nil {
			return false
		}
		c.Write(pkt)
		c.Close()
	}
	deadline := time.Now().Add(probeWait)
	for time.Now().Before(deadline) {
		if p.probes.Load() == probeCount {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

func (p *fastPath) isProbe(pkt []byte) bool {
	return len(pkt) == 12+len(p.token) && pkt[2]&0x80 != 0 && string(pkt[12:]) == string(p.token[:])
}

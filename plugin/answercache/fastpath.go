package answercache

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"runtime"
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

// fastPath is the fast path of one server address: a socket and its read loop per core
// (fastLoop), all in the same SO_REUSEPORT group.
type fastPath struct {
	bind   string
	c      *Cache
	srv    *dnsserver.Server
	m      *serverMetrics
	loops  []*fastLoop
	target *net.UDPAddr // where probes are sent
	token  [16]byte
}

// fastLoop is one socket of a fast path and what its read loop alone uses.
type fastLoop struct {
	p      *fastPath
	sock   *fastSocket
	report *fastReport
	probes atomic.Int32
	done   chan struct{}
}

// maxFastLoops bounds the sockets of a fast path (one per core the process may use).
const maxFastLoops = 8

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
	found := pluginsAbove(cfg, fastAllowedAbove)
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
	p, err := fp.open(srv, bind, target)
	if err != nil {
		releaseAddress(bind)
		if !errors.Is(err, errStopped) {
			log.Errorf("No fast path for %s: %v", srv.Addr, err)
		}
		return
	}
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
	p.m.fastActive.Set(1)
	log.Infof("Fast path for %s answers IPv4 UDP hits (%d sockets)", srv.Addr, len(p.loops))
}

// open binds the fast path's sockets, one after another so that they are next to each
// other in a shared group, starts their loops and registers it for stop.
func (fp *fastPaths) open(srv *dnsserver.Server, bind string, target *net.UDPAddr) (*fastPath, error) {
	p := &fastPath{bind: bind, c: fp.c, srv: srv, m: fp.c.metrics.get(srv.Addr), target: target}
	rand.Read(p.token[:])
	for i := 0; i < min(runtime.GOMAXPROCS(0), maxFastLoops); i++ {
		sock, err := listenFast(bind)
		if err != nil {
			p.close()
			return nil, err
		}
		p.loops = append(p.loops, &fastLoop{p: p, sock: sock, report: newFastReport(fp.prom), done: make(chan struct{})})
	}
	// The loops run before the fast path is registered: stop waits for them to end.
	for _, l := range p.loops {
		go l.serve()
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if fp.stopped {
		p.close()
		return nil, errStopped
	}
	fp.all = append(fp.all, p)
	fp.servers.Store(srv, p)
	return p, nil
}

var errStopped = errors.New("the instance stopped")

// close closes the fast path's sockets; their loops, if they run, end.
func (p *fastPath) close() {
	for _, l := range p.loops {
		l.sock.close()
	}
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
		p.close()
		for _, l := range p.loops {
			<-l.done
		}
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

// claim makes the SO_REUSEPORT group hand every packet to the fast path's sockets. Bound
// to the wildcard address they form a group of their own, which gets all IPv4 packets by
// itself (the kernel prefers IPv4 sockets to the server's dual-stack one) and spreads them
// by hash. Bound to the server's own address they share its group, where a BPF program
// picks the socket: their place in the group is found by probing with a program that
// names one place (probeCount packets from as many source ports must all arrive at the
// first socket, then at the last), and then a program spreads packets over them by the
// CPU that received them.
func (p *fastPath) claim() error {
	if p.probe(nil) {
		return nil
	}
	first, last, n := p.loops[0], p.loops[len(p.loops)-1], len(p.loops)
	for k := 0; k < maxGroupSize; k++ {
		if err := first.sock.steer(k, 1); err != nil {
			return err
		}
		if !p.probe(first) {
			continue
		}
		if n == 1 {
			return nil
		}
		if err := first.sock.steer(k+n-1, 1); err != nil {
			return err
		}
		if !p.probe(last) {
			return fmt.Errorf("the fast sockets are not next to each other in the group")
		}
		if err := first.sock.steer(k, n); err != nil {
			return err
		}
		if p.probe(nil) {
			return nil
		}
		return fmt.Errorf("spread over the fast sockets, probes went elsewhere")
	}
	first.sock.steer(-1, 0)
	return fmt.Errorf("no place in the SO_REUSEPORT group takes every packet")
}

// probe sends probeCount probes from fresh source ports and reports whether they all
// reached to (or, when nil, any of the fast path's sockets).
func (p *fastPath) probe(to *fastLoop) bool {
	for _, l := range p.loops {
		l.probes.Store(0)
	}
	pkt := p.probePacket()
	for i := 0; i < probeCount; i++ {
		c, err := net.DialUDP("udp4", nil, p.target)
		if err != nil {
			return false
		}
		c.Write(pkt)
		c.Close()
	}
	arrived := func() (n int32) {
		if to != nil {
			return to.probes.Load()
		}
		for _, l := range p.loops {
			n += l.probes.Load()
		}
		return n
	}
	deadline := time.Now().Add(probeWait)
	for time.Now().Before(deadline) {
		if arrived() == probeCount {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// probePacket is a DNS response (QR set: miekg/dns drops it if it reaches the server)
// carrying the fast path's token.
func (p *fastPath) probePacket() []byte {
	pkt := make([]byte, 12+len(p.token))
	pkt[2] = 0x80
	copy(pkt[12:], p.token[:])
	return pkt
}

func (p *fastPath) isProbe(pkt []byte) bool {
	return len(pkt) == 12+len(p.token) && pkt[2]&0x80 != 0 && string(pkt[12:]) == string(p.token[:])
}

package answercache

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// data is a fake data plugin, as sqlbackend is to the cache: it answers example.org from
// a map, takes a Stamp of its Dep before reading, and reports it to the recorder.
type data struct {
	mu     sync.Mutex
	dep    answerdeps.Dep
	addr   map[string]string // lower-case name -> A address; others NXDOMAIN
	calls  int
	rcode  int           // forced rcode (SERVFAIL, REFUSED), 0 for none
	mode   string        // "", "uncacheable", "noserve", "twice"
	expire time.Duration // passed to Expire when not 0
}

func newData() *data {
	return &data{dep: answerdeps.New(), addr: map[string]string{"www.example.org.": "192.0.2.1"}}
}

func (d *data) set(name, a string) {
	d.mu.Lock()
	d.addr[name] = a
	d.mu.Unlock()
	d.dep.Bump()
}

func (d *data) Name() string { return "data" }

func (d *data) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if len(r.Question) == 0 {
		return dns.RcodeFormatError, nil // nothing written: the server answers FORMERR
	}
	stamp := d.dep.Stamp()
	d.mu.Lock()
	d.calls++
	q := r.Question[0]
	addr, ok := d.addr[strings.ToLower(q.Name)]
	d.mu.Unlock()

	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	rec := answerdeps.From(ctx)
	switch {
	case d.rcode != 0:
		m.Rcode = d.rcode
	case ok && q.Qtype == dns.TypeA:
		m.Answer = append(m.Answer, &dns.A{Hdr: hdr(q.Name, dns.TypeA), A: net.ParseIP(addr)})
	case !ok && strings.HasSuffix(strings.ToLower(q.Name), "example.org."):
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, test.SOA("example.org. 300 IN SOA ns.example.org. h.example.org. 1 7200 3600 1209600 300"))
	}
	switch d.mode {
	case "uncacheable":
		rec.Serve(stamp)
		rec.Uncacheable()
	case "noserve":
		rec.Depend(stamp)
	default:
		rec.Serve(stamp)
	}
	if d.expire != 0 {
		rec.Expire(d.expire)
	}
	if err := w.WriteMsg(m); err != nil {
		return dns.RcodeServerFailure, err
	}
	if d.mode == "twice" {
		w.WriteMsg(m)
	}
	return m.Rcode, nil
}

// txt answers records TXT records of size bytes each, counted as data's queries: answers
// big enough to truncate, or to fill the store quickly.
type txt struct {
	d             *data
	size, records int
}

func (x txt) Name() string { return "txt" }
func (x txt) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	x.d.mu.Lock()
	x.d.calls++
	x.d.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	for i := 0; i < x.records; i++ {
		m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr(r.Question[0].Name, dns.TypeTXT), Txt: []string{strings.Repeat(string(rune('a'+i)), x.size)}})
	}
	answerdeps.From(ctx).Serve(x.d.dep.Stamp())
	return 0, w.WriteMsg(m)
}

// block returns a server block's config with handlers named as plugins, in order, as the
// server registers them (dnsserver.Config.Handler finds them by name).
func block(t *testing.T, plugins []string) *dnsserver.Config {
	t.Helper()
	cfg := &dnsserver.Config{Zone: ".", Port: "0", ListenHosts: []string{"127.0.0.1"}, Transport: "dns"}
	for _, p := range plugins {
		h := named(p)
		cfg.AddPlugin(func(plugin.Handler) plugin.Handler { return h })
	}
	if _, err := dnsserver.NewServer("dns://127.0.0.1:0", []*dnsserver.Config{cfg}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

type named string

func (n named) Name() string { return string(n) }
func (n named) ServeDNS(context.Context, dns.ResponseWriter, *dns.Msg) (int, error) {
	return 0, nil
}

func (d *data) n() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: strings.ToLower(name), Rrtype: t, Class: dns.ClassINET, Ttl: 300}
}

// wire is the server's end of the writer chain: it packs what is written as the server
// does and keeps the bytes, so tests compare what a client would receive.
type wire struct {
	addr  net.Addr
	bytes []byte
	count int
	msgs  int // of count, written with WriteMsg
}

var (
	udp4 = &net.UDPAddr{IP: net.IPv4(192, 0, 2, 53).To4(), Port: 40212}
	tcp4 = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 53).To4(), Port: 40212}
	udp6 = &net.UDPAddr{IP: net.ParseIP("2001:db8::53"), Port: 40212}
)

func (w *wire) LocalAddr() net.Addr  { return w.addr }
func (w *wire) RemoteAddr() net.Addr { return w.addr }
func (w *wire) Network() string      { return "" }
func (w *wire) Close() error         { return nil }
func (w *wire) TsigStatus() error    { return nil }
func (w *wire) TsigTimersOnly(bool)  {}
func (w *wire) Hijack()              {}
func (w *wire) Write(b []byte) (int, error) {
	w.count++
	w.bytes = append(w.bytes[:0], b...)
	return len(b), nil
}
func (w *wire) WriteMsg(m *dns.Msg) error {
	w.msgs++
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// ask sends r through c as the server would (behind a ScrubWriter) and returns the bytes
// the client gets, unpacked too.
func ask(t testing.TB, ctx context.Context, c *Cache, r *dns.Msg, addr net.Addr) ([]byte, *dns.Msg, int) {
	t.Helper()
	w := &wire{addr: addr}
	rcode, err := c.ServeDNS(ctx, request.NewScrubWriter(r, w), r.Copy())
	if err != nil {
		t.Fatalf("ServeDNS %s: %v", r.Question[0].Name, err)
	}
	if w.count != 1 {
		t.Fatalf("%d messages written, want 1", w.count)
	}
	m := new(dns.Msg)
	if err := m.Unpack(w.bytes); err != nil {
		t.Fatalf("unpack answer: %v", err)
	}
	return w.bytes, m, rcode
}

// newTest returns a cache (1MiB, max_age 1h) over a fresh fake data plugin and a context
// with a server name of its own, so metrics can be checked per test.
func newTest(t testing.TB, admission bool) (*Cache, *data, context.Context) {
	d := newData()
	c := newCache([]string{"."}, 1<<20, time.Hour, admission)
	c.Next = d
	ctx := context.WithValue(context.Background(), dnsserver.Key{}, &dnsserver.Server{Addr: serverOf(t)})
	return c, d, ctx
}

var (
	serversMu sync.Mutex
	servers   = map[testing.TB]string{}
	serverSeq int
)

// serverOf returns the server label of t's cache: its own in each run, so the counters
// start at zero under -count and in benchmarks run several times.
func serverOf(t testing.TB) string {
	serversMu.Lock()
	defer serversMu.Unlock()
	if s, ok := servers[t]; ok {
		return s
	}
	serverSeq++
	s := fmt.Sprintf("test://%s#%d", t.Name(), serverSeq)
	servers[t] = s
	t.Cleanup(func() {
		serversMu.Lock()
		delete(servers, t)
		serversMu.Unlock()
	})
	return s
}

func query(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Id = 0x1234
	return m
}

// count returns the value of a counter for the test's server: hits, misses, stores,
// evictions, invalidations, rejects, or a bypass reason.
func count(t testing.TB, what string) float64 {
	name := serverOf(t)
	vecs := map[string]*prometheus.CounterVec{
		"hits": hitCount, "misses": missCount, "stores": storeCount, "evictions": evictionCount,
		"invalidations": invalidationCount, "rejects": rejectCount,
	}
	if v, ok := vecs[what]; ok {
		return testutil.ToFloat64(v.WithLabelValues(name))
	}
	return testutil.ToFloat64(bypassCount.WithLabelValues(name, what))
}

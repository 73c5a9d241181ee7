package abusepool

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/pkg/proxyproto"
	"github.com/coredns/coredns/plugin/test"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/ratelimit"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// answering is the plugin below abusepool in these tests: it answers every query with
// one A record and counts the queries it saw.
type answering struct{ seen int }

func (h *answering) Name() string { return "answering" }
func (h *answering) ServeDNS(_ context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	h.seen++
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	m.Answer = append(m.Answer, test.A(r.Question[0].Name+" 60 IN A 192.0.2.80"))
	w.WriteMsg(m)
	return dns.RcodeSuccess, nil
}

// newTestPlugin builds the plugin from Corefile rule lines (the rules grammar) with a real
// state, limiter and inspector, no Redis, and the answering plugin below.
func newTestPlugin(t testing.TB, ruleLines ...string) (*AbusePool, *answering) {
	t.Helper()
	block := "abusepool {\n"
	for _, l := range ruleLines {
		block += " " + l + "\n"
	}
	cfg, err := parseString(block + "}")
	if err != nil {
		t.Fatal(err)
	}
	a, lc, err := build(cfg, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	if err := lc.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lc.stop)
	next := &answering{}
	a.Next = next
	return a, next
}

func serve(t testing.TB, a *AbusePool, tcp bool, remote, name string, qt uint16) (*dnstest.Recorder, int) {
	t.Helper()
	rec := dnstest.NewRecorder(&test.ResponseWriter{TCP: tcp, RemoteIP: remote})
	m := new(dns.Msg)
	m.SetQuestion(name, qt)
	rcode, err := a.ServeDNS(context.Background(), rec, m)
	if err != nil {
		t.Fatalf("ServeDNS: %v", err)
	}
	return rec, rcode
}

func TestServeActions(t *testing.T) {
	a, next := newTestPlugin(t,
		"rule drop-x suffix x.example.org drop",
		"rule refuse-net cidr 198.51.100.0/24 refused",
		"rule tc-any qtype ANY truncate",
		"rule limit suffix limited.example.org ratelimit 1 2 client refused",
	)
	passBefore := testutil.ToFloat64(requestsCount.WithLabelValues("pass"))
	dropBefore := testutil.ToFloat64(requestsCount.WithLabelValues("drop"))

	rec, rcode := serve(t, a, false, "", "www.example.org.", dns.TypeA)
	if rec.Msg == nil || len(rec.Msg.Answer) != 1 || rcode != dns.RcodeSuccess || next.seen != 1 {
		t.Fatalf("no rule: want the answer from below, got rcode %d %v (next saw %d)", rcode, rec.Msg, next.seen)
	}

	rec, rcode = serve(t, a, false, "", "A.X.Example.ORG.", dns.TypeA)
	if rec.Msg != nil || rcode != dns.RcodeSuccess || next.seen != 1 {
		t.Errorf("drop: want nothing written and rcode 0 (the server writes nothing), got %d %v", rcode, rec.Msg)
	}

	rec, _ = serve(t, a, false, "198.51.100.7", "www.example.org.", dns.TypeA)
	if rec.Msg == nil || rec.Msg.Rcode != dns.RcodeRefused || len(rec.Msg.Question) != 1 || len(rec.Msg.Answer) != 0 || next.seen != 1 {
		t.Errorf("refused: %v", rec.Msg)
	}

	rec, _ = serve(t, a, false, "", "www.example.org.", dns.TypeANY)
	if rec.Msg == nil || !rec.Msg.Truncated || len(rec.Msg.Answer) != 0 || rec.Msg.Rcode != dns.RcodeSuccess || next.seen != 1 {
		t.Errorf("truncate over UDP: %v", rec.Msg)
	}
	rec, _ = serve(t, a, true, "", "www.example.org.", dns.TypeANY)
	if rec.Msg == nil || rec.Msg.Truncated || len(rec.Msg.Answer) != 1 || next.seen != 2 {
		t.Errorf("truncate over TCP passes: %v", rec.Msg)
	}

	// Burst 2: two pass, the third is refused (the bucket refills at 1/s: not within
	// the microseconds this takes).
	var rcodes []int
	for range 3 {
		rec, _ = serve(t, a, false, "", "limited.example.org.", dns.TypeA)
		rcodes = append(rcodes, rec.Msg.Rcode)
	}
	if fmt.Sprint(rcodes) != fmt.Sprint([]int{dns.RcodeSuccess, dns.RcodeSuccess, dns.RcodeRefused}) {
		t.Errorf("ratelimit 1 2: rcodes %v, want two answers then REFUSED", rcodes)
	}

	if d := testutil.ToFloat64(requestsCount.WithLabelValues("pass")) - passBefore; d != 4 {
		t.Errorf("requests_total{action=pass} grew by %v, want 4", d)
	}
	if d := testutil.ToFloat64(requestsCount.WithLabelValues("drop")) - dropBefore; d != 1 {
		t.Errorf("requests_total{action=drop} grew by %v, want 1", d)
	}
}

// Every query is recorded, whatever was done with it: a dropped one with no rcode.
func TestServeRecordsEveryQuery(t *testing.T) {
	a, _ := newTestPlugin(t, "rule drop-x suffix x.example.org drop")
	for range 3 {
		serve(t, a, false, "192.0.2.1", "www.example.org.", dns.TypeA)
	}
	serve(t, a, false, "192.0.2.2", "x.example.org.", dns.TypeA)
	a.inspector.Flush()

	top, err := a.inspector.Top(inspect.Query{Dimension: inspect.Rcodes, N: 5})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, e := range top.Entries {
		got[e.Key] = e.Count
	}
	if got["NOERROR"] != 3 || got["none"] != 1 || top.Total != 4 {
		t.Errorf("rcodes: %+v, want NOERROR 3, none 1", top)
	}
	top, err = a.inspector.Top(inspect.Query{Dimension: inspect.Clients, N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Entries) != 1 || top.Entries[0].Key != "192.0.2.1" || top.Entries[0].Count != 3 {
		t.Errorf("top client: %+v", top)
	}
}

// A rule added at runtime applies to the next query.
func TestServeFollowsState(t *testing.T) {
	a, _ := newTestPlugin(t)
	if _, err := a.state.Add(context.Background(), rules.Rule{ID: "late", Match: rules.Match{Suffix: "www.example.org."}, Action: rules.Refused}); err != nil {
		t.Fatal(err)
	}
	rec, _ := serve(t, a, false, "", "www.example.org.", dns.TypeA)
	if rec.Msg == nil || rec.Msg.Rcode != dns.RcodeRefused {
		t.Errorf("after Add: %v", rec.Msg)
	}
}

// The pass path, with no rules and with 1,000 that never match: abusepool's own cost
// (the recorder is pooled; the rest is the rule lookup and an inspector enqueue).
func BenchmarkServeDNSPass(b *testing.B) {
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rs := make([]rules.Rule, 0, n)
			for i := range n {
				r := rules.Rule{ID: fmt.Sprintf("r%d", i), Action: rules.Drop, Origin: rules.FromCorefile}
				switch i % 3 {
				case 0:
					r.Match.Suffix = fmt.Sprintf("attack%d.example.net.", i)
				case 1:
					r.Match.CIDR = fmt.Sprintf("198.51.%d.%d/32", i/256%256, i%256)
				default:
					r.Match = rules.Match{Suffix: fmt.Sprintf("n%d.example.org.", i), QType: "TXT"}
				}
				if err := r.Validate(func(string) bool { return false }); err != nil {
					b.Fatal(err)
				}
				rs = append(rs, r)
			}
			st := state.New(rs, state.Options{})
			insp := inspect.New(inspect.Config{})
			insp.Start()
			defer insp.Stop()
			a := &AbusePool{
				Next: plugin.HandlerFunc(func(_ context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
					return dns.RcodeSuccess, nil
				}),
				state: st, limiter: ratelimit.New(ratelimit.Options{}), inspector: insp,
				counters: newActionCounters(), now: time.Now,
			}
			w := &test.ResponseWriter{}
			m := new(dns.Msg)
			m.SetQuestion("www.example.org.", dns.TypeA)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				a.ServeDNS(ctx, w, m)
			}
		})
	}
}

// proxied is a ResponseWriter whose remote address is what the proxyproto plugin makes: the
// load balancer's connection, wrapping the client the PROXY header names.
type proxied struct {
	test.ResponseWriter
	addr net.Addr
}

func (p *proxied) RemoteAddr() net.Addr { return p.addr }

func TestClientAddr(t *testing.T) {
	lb := &net.UDPAddr{IP: net.ParseIP("10.0.0.1"), Port: 4000}
	real := &net.TCPAddr{IP: net.ParseIP("198.51.100.7"), Port: 5353}
	for _, c := range []struct {
		w    dns.ResponseWriter
		want string
		tcp  bool
	}{
		{&test.ResponseWriter{}, "10.240.0.1", false},
		{&test.ResponseWriter{TCP: true, RemoteIP: "2001:db8::1"}, "2001:db8::1", true},
		{&test.ResponseWriter{RemoteIP: "::ffff:192.0.2.1"}, "192.0.2.1", false},
		{&proxied{addr: proxyproto.NewAddr(lb, real, nil)}, "198.51.100.7", true},
		{&proxied{addr: &net.UnixAddr{Name: "/x", Net: "unix"}}, "invalid IP", false},
	} {
		if got := clientAddr(c.w); got.String() != c.want {
			t.Errorf("%v: client %s, want %s", c.w.RemoteAddr(), got, c.want)
		}
		if got := isTCP(c.w); got != c.tcp {
			t.Errorf("%v: TCP %t, want %t", c.w.RemoteAddr(), got, c.tcp)
		}
	}
}

// fixedWriter is a ResponseWriter whose addresses are made once, as the server's are.
type fixedWriter struct {
	test.ResponseWriter
	remote net.Addr
}

func (f *fixedWriter) RemoteAddr() net.Addr { return f.remote }

// A query no rule matches costs abusepool no allocation: the one counted is the
// pluginWriter CoreDNS's NextOrFailure makes for every plugin hop.
func TestPassAllocations(t *testing.T) {
	a, _ := newTestPlugin(t, "rule drop-x suffix x.example.net drop", "rule net cidr 198.51.100.0/24 refused")
	a.Next = plugin.HandlerFunc(func(_ context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
		return dns.RcodeSuccess, nil
	})
	w := &fixedWriter{remote: &net.UDPAddr{IP: net.ParseIP("192.0.2.1"), Port: 5300}}
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() { a.ServeDNS(ctx, w, m) })
	if allocs > 1 {
		t.Errorf("%v allocations per passed query, want at most 1 (NextOrFailure's)", allocs)
	}
}

// The inspection's memory is exported, from the running inspectors.
func TestInspectionMemoryGauge(t *testing.T) {
	a, _ := newTestPlugin(t)
	for i := range 50 {
		serve(t, a, false, "", fmt.Sprintf("n%d.example.org.", i), dns.TypeA)
	}
	a.inspector.Flush()
	var gauge float64
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "coredns_abusepool_inspection_memory_bytes" {
			gauge = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if own := a.inspector.MemoryBytes(); own == 0 || gauge < float64(own) {
		t.Errorf("inspection_memory_bytes %v, want at least this inspector's %d", gauge, own)
	}
}

package answercache

import (
	"context"
	"strings"
	"testing"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/pkg/nonwriter"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"

	"github.com/miekg/dns"
)

// above runs c the way prometheus and log above it would: each wraps the writer in its
// recorder and calls the next plugin through plugin.NextOrFailure (which wraps it again).
func above(ctx context.Context, c *Cache, r *dns.Msg, w *wire, between func(dns.ResponseWriter) dns.ResponseWriter) (promRcode, logRcode, rcode int) {
	mr := metrics.NewRecorder(request.NewScrubWriter(r, w))
	logH := plugin.HandlerFunc(func(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
		lr := dnstest.NewRecorder(w)
		var next dns.ResponseWriter = lr
		if between != nil {
			next = between(lr)
		}
		rcode, err := plugin.NextOrFailure("log", c, ctx, next, r)
		logRcode = lr.Rcode
		return rcode, err
	})
	rcode, _ = plugin.NextOrFailure("prometheus", logH, ctx, mr, r)
	return mr.Rcode, logRcode, rcode
}

func TestHitSetsRcodeAbove(t *testing.T) {
	c, _, ctx := newTest(t, false)
	r := query("nx.example.org.", dns.TypeA)
	above(ctx, c, r.Copy(), &wire{addr: udp4}, nil) // miss: stored
	w := &wire{addr: udp4}
	prom, lg, rcode := above(ctx, c, r.Copy(), w, nil)
	if count(t, "hits") != 1 || w.count != 1 || w.msgs != 0 {
		t.Fatalf("hits %v, writes %d of which messages %d: want a hit written as bytes", count(t, "hits"), w.count, w.msgs)
	}
	if prom != dns.RcodeNameError || lg != dns.RcodeNameError || rcode != dns.RcodeNameError {
		t.Fatalf("rcode seen by prometheus %d, log %d, returned %d; want NXDOMAIN", prom, lg, rcode)
	}
}

// opaque is a writer above that neither is a known recorder nor unwraps.
type opaque struct{ dns.ResponseWriter }

func TestHitThroughOpaqueWriter(t *testing.T) {
	c, _, ctx := newTest(t, false)
	wrap := func(w dns.ResponseWriter) dns.ResponseWriter { return opaque{w} }
	for _, tc := range []struct {
		name  string
		rcode int
		msgs  int
	}{
		// NOERROR is what recorders assume: bytes are fine. NXDOMAIN cannot be told to
		// the recorders behind the opaque writer: written as a message.
		{"www.example.org.", dns.RcodeSuccess, 0},
		{"nx.example.org.", dns.RcodeNameError, 1},
	} {
		r := query(tc.name, dns.TypeA)
		above(ctx, c, r.Copy(), &wire{addr: udp4}, wrap)
		w := &wire{addr: udp4}
		prom, lg, _ := above(ctx, c, r.Copy(), w, wrap)
		if w.count != 1 || w.msgs != tc.msgs || prom != tc.rcode || lg != tc.rcode {
			t.Fatalf("%s: writes %d, messages %d, rcodes %d %d; want 1, %d, %d", tc.name, w.count, w.msgs, prom, lg, tc.msgs, tc.rcode)
		}
		m := new(dns.Msg)
		if err := m.Unpack(w.bytes); err != nil || m.Rcode != tc.rcode || m.Id != r.Id {
			t.Fatalf("%s: answer %v rcode %d id %x", tc.name, err, m.Rcode, m.Id)
		}
	}
	if count(t, "hits") != 2 {
		t.Fatalf("hits %v, want 2", count(t, "hits"))
	}
}

func TestSlowHitsWriteMessages(t *testing.T) {
	c, _, ctx := newTest(t, false)
	c.slowHits = true
	r := query("www.example.org.", dns.TypeA)
	ask(t, ctx, c, r, udp4)
	w := &wire{addr: udp4}
	if _, err := c.ServeDNS(ctx, request.NewScrubWriter(r, w), r.Copy()); err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	if err := m.Unpack(w.bytes); err != nil {
		t.Fatal(err)
	}
	if count(t, "hits") != 1 || w.msgs != 1 {
		t.Fatalf("hits %v, messages %d; want a hit written as a message", count(t, "hits"), w.msgs)
	}
	check(t, m, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{wwwA}})
}

func TestPluginWriterLayoutKnown(t *testing.T) {
	if pluginWriterType == nil {
		t.Fatal("CoreDNS's plugin writer changed its layout: NXDOMAIN hits now allocate; update pluginWriter")
	}
}

func TestWritersAbove(t *testing.T) {
	saved := dnsserver.Directives
	defer func() { dnsserver.Directives = saved }()
	dnsserver.Directives = []string{"prometheus", "log", "loadbalance", "rewrite", "acl", "answercache", "dnssec", "file"}

	for _, tc := range []struct {
		plugins []string
		want    string
	}{
		{[]string{"prometheus", "log", "acl", "answercache", "dnssec", "file"}, ""},
		{[]string{"loadbalance", "log", "rewrite", "answercache", "file"}, "loadbalance,rewrite"},
	} {
		got := writersAbove(block(t, tc.plugins))
		if s := strings.Join(got, ","); s != tc.want {
			t.Errorf("%v: writers above %q, want %q", tc.plugins, s, tc.want)
		}
	}
}

// TestNestedHitWrittenAsMessage: a CNAME target asked through the chain by upstream comes
// with a nonwriter, which only keeps what WriteMsg gives it: a hit written as bytes would
// reach the client instead. Both with the outer recorder and without.
func TestNestedHitWrittenAsMessage(t *testing.T) {
	c, _, ctx := newTest(t, false)
	r := query("www.example.org.", dns.TypeA)
	ask(t, ctx, c, r, udp4)
	for _, nested := range []context.Context{answerdeps.With(ctx, &answerdeps.Recorder{}), ctx} {
		client := &wire{addr: udp4}
		nw := nonwriter.New(client)
		if _, err := c.ServeDNS(nested, request.NewScrubWriter(r, nw), r.Copy()); err != nil {
			t.Fatal(err)
		}
		if client.count != 0 || nw.Msg == nil {
			t.Fatalf("%d writes reached the client, nonwriter got %v", client.count, nw.Msg)
		}
		check(t, nw.Msg, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{wwwA}})
	}
	if count(t, "hits") != 2 {
		t.Fatalf("hits %v, want 2", count(t, "hits"))
	}
}

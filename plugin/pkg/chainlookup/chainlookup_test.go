package chainlookup

import (
	"context"
	"testing"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

func rrs(lines ...string) []dns.RR {
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			panic(err)
		}
		out = append(out, rr)
	}
	return out
}

func TestChase(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  []dns.RR
		want    int
		end     string
		wantTTL uint32
	}{
		{"direct", rrs("a.example. 300 IN A 192.0.2.1", "a.example. 200 IN A 192.0.2.2"), 2, "a.example.", 200},
		{"cname", rrs("a.example. 100 IN CNAME B.example.", "b.example. 300 IN A 192.0.2.1"), 1, "B.example.", 100},
		{"dangling", rrs("a.example. 100 IN CNAME b.example."), 0, "b.example.", 100},
		{"unrelated", rrs("x.example. 100 IN A 192.0.2.1"), 0, "a.example.", ^uint32(0)},
		{"loop", rrs("a.example. 100 IN CNAME b.example.", "b.example. 100 IN CNAME a.example."), 0, "", 0},
	} {
		addrs, end, ttl := Chase(tc.answer, "a.example.", dns.TypeA)
		if len(addrs) != tc.want || (tc.end != "" && (end != tc.end || ttl != tc.wantTTL)) {
			t.Errorf("%s: %d addresses, end %s, ttl %d; want %d, %s, %d", tc.name, len(addrs), end, ttl, tc.want, tc.end, tc.wantTTL)
		}
	}
}

func TestIsNoData(t *testing.T) {
	soa := test.SOA("example. 300 IN SOA ns.example. h.example. 1 2 3 4 5")
	m := &dns.Msg{Ns: []dns.RR{soa}}
	m.Authoritative = true
	if !IsNoData(m) {
		t.Error("NODATA not recognised")
	}
	for name, f := range map[string]func(*dns.Msg){
		"nxdomain": func(m *dns.Msg) { m.Rcode = dns.RcodeNameError },
		"answer":   func(m *dns.Msg) { m.Answer = rrs("example. 300 IN A 192.0.2.1") },
		"not AA":   func(m *dns.Msg) { m.Authoritative = false },
		"no SOA":   func(m *dns.Msg) { m.Ns = nil },
		"referral": func(m *dns.Msg) { m.Ns = rrs("sub.example. 300 IN NS ns.sub.example.") },
		"servfail": func(m *dns.Msg) { m.Rcode = dns.RcodeServerFailure },
	} {
		c := m.Copy()
		f(c)
		if IsNoData(c) {
			t.Errorf("%s taken for NODATA", name)
		}
	}
	if IsNoData(nil) {
		t.Error("nil taken for NODATA")
	}
}

func TestLookupAndHoldWriter(t *testing.T) {
	soa := test.SOA("example. 300 IN SOA ns.example. h.example. 1 2 3 4 5")
	next := plugin.HandlerFunc(func(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		switch r.Question[0].Name {
		case "data.example.":
			m.Answer = rrs("data.example. 300 IN A 192.0.2.1")
		case "empty.example.":
			m.Ns = []dns.RR{soa}
		default:
			return dns.RcodeRefused, nil // writes nothing, as plugins do for REFUSED
		}
		w.WriteMsg(m)
		return dns.RcodeSuccess, nil
	})
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	state := request.Request{W: rec, Req: new(dns.Msg).SetQuestion("q.example.", dns.TypeA)}

	if m := Lookup(context.Background(), next, state, "data.example.", dns.TypeA); m == nil || len(m.Answer) != 1 {
		t.Errorf("lookup of data: %v", m)
	}
	if m := Lookup(context.Background(), next, state, "other.example.", dns.TypeA); m == nil || m.Rcode != dns.RcodeRefused {
		t.Errorf("lookup of other: %v, want REFUSED", m)
	}
	if m := Lookup(context.Background(), nil, state, "data.example.", dns.TypeA); m != nil {
		t.Errorf("lookup with no next: %v", m)
	}
	if rec.Msg != nil {
		t.Error("Lookup wrote to the client")
	}

	hw := &HoldWriter{ResponseWriter: rec}
	next.ServeDNS(context.Background(), hw, new(dns.Msg).SetQuestion("data.example.", dns.TypeA))
	if hw.Held != nil || rec.Msg == nil {
		t.Error("an answer was held instead of written")
	}
	rec.Msg = nil
	next.ServeDNS(context.Background(), hw, new(dns.Msg).SetQuestion("empty.example.", dns.TypeA))
	if hw.Held == nil || rec.Msg != nil {
		t.Error("NODATA was written instead of held")
	}
}

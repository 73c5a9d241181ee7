package answercache_test

import (
	"fmt"
	"testing"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestEdgeQueries: queries the cache must bypass or never answer from its store (another
// EDNS version, AXFR) and odd ones it may keep (class CHAOS,
// type ANY) get, asked three times, the answer of the same block without the cache; the
// bypassed ones never from the cache. A zone transfer through a block with the cache is
// the same as without it, every time.
func TestEdgeQueries(t *testing.T) {
	m := newDB(t)
	xfr := "transfer {\n\t\tto *\n\t}"
	ref := start(t, sqlBlock(m.DSN, xfr))
	cached := start(t, sqlBlock(otherNode(m.DSN), xfr, "answercache {\n\t\tadmission off\n\t}"))
	q := func(name string, qt uint16, edit func(*dns.Msg)) *dns.Msg {
		m := harness.Query(name, qt)
		if edit != nil {
			edit(m)
		}
		return m
	}
	for _, c := range []struct {
		what   string
		q      *dns.Msg
		bypass bool
	}{
		{"EDNS version 1", q("www.example.org.", dns.TypeA, func(m *dns.Msg) { m.SetEdns0(1232, false); m.IsEdns0().SetVersion(1) }), true},
		{"class CHAOS", q("www.example.org.", dns.TypeA, func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }), false},
		{"type ANY", q("www.example.org.", dns.TypeANY, nil), false},
	} {
		want := rawExchange(t, ref.UDP, "udp", c.q)
		before := hits(t)
		for i := 0; i < 3; i++ {
			c.q.Id = dns.Id()
			sameAnswer(t, fmt.Sprintf("%s, ask %d", c.what, i+1), rawExchange(t, cached.UDP, "udp", c.q), want)
		}
		if got := hits(t) - before; c.bypass && got != 0 {
			t.Errorf("%s: %v of 3 answers from the cache, want none", c.what, got)
		}
	}
	wantXFR := harness.AXFR(t, ref.TCP, "example.org.")
	for i := 0; i < 3; i++ {
		var lines []string
		for _, rr := range wantXFR {
			lines = append(lines, rr.String())
		}
		harness.AssertRRs(t, fmt.Sprintf("AXFR example.org, %d", i+1), harness.AXFR(t, cached.TCP, "example.org."), lines)
	}
}

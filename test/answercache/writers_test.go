package answercache_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestWritersAbove: plugins above answercache in plugin.cfg that change answers as they are
// written (rewrite's reverter, dns64) or add to them (nsid) must see hits as they see any
// answer: the cached server's answers, asked three times, are those of the same block
// without the cache, and hits happen (but for NSID requests, which bypass the cache).
func TestWritersAbove(t *testing.T) {
	m := newDB(t)
	above := []string{
		"rewrite name exact alias.example.org. www.example.org. answer auto",
		"dns64 {\n\t\tprefix 64:ff9b::/96\n\t}",
		"nsid hostdns-test",
		"loadbalance",
	}
	ref := start(t, sqlBlock(m.DSN, above...))
	cached := start(t, sqlBlock(otherNode(m.DSN), append(above, "answercache {\n\t\tadmission off\n\t}")...))
	nsid := func(q *dns.Msg) *dns.Msg {
		q.SetEdns0(1232, false)
		q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
		return q
	}
	for _, c := range []struct {
		q    *dns.Msg
		hits int // of 3 asks, admission off
	}{
		{harness.Query("alias.example.org.", dns.TypeA), 2},   // rewritten, reverted
		{harness.Query("Alias.Example.Org.", dns.TypeA), 3},   // the same key
		{harness.Query("mail.example.org.", dns.TypeAAAA), 2}, // synthesized by dns64
		{harness.Query("www.example.org.", dns.TypeAAAA), 2},
		{harness.Query("example.org.", dns.TypeNS), 2},
		{nsid(harness.Query("www.example.org.", dns.TypeA)), 0}, // bypassed
	} {
		what := fmt.Sprintf("%s %s", c.q.Question[0].Name, dns.TypeToString[c.q.Question[0].Qtype])
		want := rawExchange(t, ref.UDP, "udp", c.q)
		before := hits(t)
		for i := 0; i < 3; i++ {
			c.q.Id = dns.Id()
			sameAnswer(t, fmt.Sprintf("%s, ask %d", what, i+1), rawExchange(t, cached.UDP, "udp", c.q), want)
		}
		if got := int(hits(t) - before); got != c.hits && !(got < c.hits && hitWithin(t, what, cached.UDP, "udp", c.q, want, 10)) {
			t.Errorf("%s: %d of 3 answers from the cache, want %d", what, got, c.hits)
		}
	}
}

// TestRcodeMetrics: a hit is counted by the prometheus plugin above with its own rcode, as
// a miss is: NXDOMAIN asked until two answers came from the cache (the first answer is
// stored after it was sent, so the second may still miss), and every one of them is an
// NXDOMAIN response in coredns_dns_responses_total on the metrics endpoint.
func TestRcodeMetrics(t *testing.T) {
	m := newDB(t)
	addr := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	s := start(t, sqlBlock(m.DSN, "prometheus "+addr, "answercache {\n\t\tadmission off\n\t}"))
	// start's readiness answer is an NXDOMAIN too, counted after it was sent: wait for it, or
	// it lands in the growth measured below.
	var before float64
	harness.Eventually(t, 2*time.Second, "the readiness query's NXDOMAIN in coredns_dns_responses_total", func() bool {
		before = scrape(t, addr, "coredns_dns_responses_total", `rcode="NXDOMAIN"`)
		return before >= 1
	})
	hitsBefore := hits(t)
	asked := 0
	for ; asked < 6 && hits(t)-hitsBefore < 2; asked++ {
		harness.AssertResponse(t, ask(t, s.UDP, "nosuch.example.org.", dns.TypeA), harness.Response{
			Rcode: dns.RcodeNameError, Authoritative: true,
			Ns: []string{"example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2026120601 7200 3600 1209600 300"},
		})
	}
	if got := hits(t) - hitsBefore; got < 2 {
		t.Fatalf("%v of %d answers from the cache, want 2", got, asked)
	}
	// The prometheus plugin counts a response after it was sent: wait for the last one.
	var got float64
	harness.Eventually(t, 2*time.Second, fmt.Sprintf("coredns_dns_responses_total with rcode NXDOMAIN grown by %d (the answers, 2 of them from the cache)", asked), func() bool {
		got = scrape(t, addr, "coredns_dns_responses_total", `rcode="NXDOMAIN"`) - before
		return got >= float64(asked)
	})
	if got != float64(asked) {
		t.Errorf("coredns_dns_responses_total with rcode NXDOMAIN grew by %v, want %d", got, asked)
	}
}

package abusepool

import (
	"testing"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// A query no rule matches gets the data plugin's full answer, over UDP and TCP, with EDNS
// kept as the client sent it: abusepool changes nothing it does not act on.
func TestNoRuleMatchedPassesThrough(t *testing.T) {
	s := startFront(t, lines(
		"        rule other suffix elsewhere.example drop",
		"        rule other-net cidr 192.0.2.0/24 refused",
	))
	for _, c := range []struct{ addr, network string }{{s.UDP, "udp"}, {s.TCP, "tcp"}} {
		harness.AssertResponse(t, ask(t, c.addr, c.network, "", "www.example.org.", dns.TypeA), wwwAnswer)
		harness.AssertResponse(t, ask(t, c.addr, c.network, "", "nope.example.org.", dns.TypeA), harness.Response{
			Rcode:         dns.RcodeNameError,
			Authoritative: true,
			Ns:            []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026120601 7200 3600 1209600 300"},
		})
		m := harness.Exchange(t, c.addr, harness.WithEDNS(harness.Query("www.example.org.", dns.TypeAAAA), 1232, true), c.network)
		harness.AssertResponse(t, m, harness.Response{
			Authoritative: true,
			Answer:        []string{"www.example.org. 3600 IN AAAA 2001:db8::80"},
			Ns:            exampleNS,
			Extra:         []string{harness.OPT(1232, true)},
		})
	}
}

// A zone transfer passes through abusepool's recorder whole: every message of the AXFR
// reaches the client, from the first SOA to the last.
func TestZoneTransferPassesThrough(t *testing.T) {
	s := harness.StartServer(t, "example.org:0 {\n    abusepool {\n        rule other suffix elsewhere.example drop\n    }\n    file "+writeZone(t, zone)+"\n    transfer {\n        to *\n    }\n}\n")
	rrs := harness.AXFR(t, s.TCP, "example.org.")
	if len(rrs) != 9 || rrs[0].Header().Rrtype != dns.TypeSOA || rrs[len(rrs)-1].Header().Rrtype != dns.TypeSOA {
		t.Errorf("AXFR through abusepool: %d records, want 9 from SOA to SOA:\n%v", len(rrs), rrs)
	}
}

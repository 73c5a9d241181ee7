package harness

import (
	"testing"

	"github.com/miekg/dns"
)

// TestReferenceServers starts each reference server on a small zone and checks a positive
// and a negative answer, so a broken configuration shows here rather than as differences
// in the tests that compare with them.
func TestReferenceServers(t *testing.T) {
	zones := map[string]string{"example.org.": `$ORIGIN example.org.
$TTL 3600
@   IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300
    IN NS  ns1.example.org.
ns1 IN A   192.0.2.1
www IN A   192.0.2.80
`}
	for name, start := range map[string]func(testing.TB, map[string]string) *Process{"nsd": StartNSD, "named": StartNamed} {
		t.Run(name, func(t *testing.T) {
			p := start(t, zones)
			resp := Exchange(t, p.Addr, Query("www.example.org.", dns.TypeA), "udp")
			if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative || len(resp.Answer) != 1 || resp.Answer[0].String() != "www.example.org.\t3600\tIN\tA\t192.0.2.80" {
				t.Errorf("www A:\n%s", resp)
			}
			AssertResponse(t, Exchange(t, p.Addr, Query("nosuch.example.org.", dns.TypeA), "tcp"), Response{
				Rcode: dns.RcodeNameError, Authoritative: true,
				Ns: []string{"example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300"},
			})
		})
	}
}

package harness

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func primaryZone(serial int) string {
	return fmt.Sprintf(`$ORIGIN p.test.
@ 3600 IN SOA ns1 hostmaster %d 3600 600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
v 300 IN TXT "v%d"
`, serial, serial)
}

// TestPrimaryIXFR: every kind of primary serves the zone, takes a new version by SetZone,
// and BIND and Knot answer an IXFR from the old serial incrementally, logged as IXFR.
func TestPrimaryIXFR(t *testing.T) {
	for _, kind := range PrimaryKinds {
		t.Run(string(kind), func(t *testing.T) {
			p := StartPrimary(t, kind, map[string]string{"p.test.": primaryZone(1)}, PrimaryOptions{})
			if n := len(AXFR(t, p.Addr, "p.test.")); n != 5 {
				t.Fatalf("AXFR: %d records, want 5", n)
			}
			p.SetZone(t, "p.test.", primaryZone(2))
			m := new(dns.Msg)
			m.SetIxfr("p.test.", 1, "ns1.p.test.", "hostmaster.p.test.")
			tr := &dns.Transfer{DialTimeout: time.Second, ReadTimeout: 5 * time.Second}
			envs, err := tr.In(m, p.Addr)
			if err != nil {
				t.Fatal(err)
			}
			var rrs []dns.RR
			for e := range envs {
				if e.Error != nil {
					t.Fatal(e.Error)
				}
				rrs = append(rrs, e.RR...)
			}
			if kind == PrimaryNSD {
				return // NSD 4.6 answers AXFR-style and logs no kind
			}
			if len(rrs) < 2 || rrs[1].Header().Rrtype != dns.TypeSOA {
				t.Errorf("IXFR from %s is not incremental:\n%v", kind, rrs)
			}
			// The server logs to a pipe: its line may come after its answer.
			Eventually(t, 5*time.Second, string(kind)+" logging the IXFR", func() bool { return p.OutgoingTransfers("p.test.", "IXFR") == 1 })
		})
	}
}

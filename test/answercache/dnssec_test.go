package answercache_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestSignedAnswers: with sqlsign signing example.org online (pdnsutil secure-zone), signed
// answers (positive, NXDOMAIN with its NSEC proofs, NODATA, wildcard) come from the cache
// and every signature in them validates against the zone's DNSKEY set; after a change in
// SQL the new answer is served, signed, and validates too.
func TestSignedAnswers(t *testing.T) {
	m := newDB(t)
	harness.NewPDNSUtil(t, m).SecureZone(t, "example.org")
	s := start(t, sqlBlock(m.DSN, "answercache", "sqlsign"))
	do := func(name string, qt uint16) *dns.Msg { return harness.WithEDNS(harness.Query(name, qt), 1232, true) }
	var keys []*dns.DNSKEY
	for _, rr := range harness.Exchange(t, s.UDP, do("example.org.", dns.TypeDNSKEY), "udp").Answer {
		if k, ok := rr.(*dns.DNSKEY); ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		t.Fatal("example.org has no DNSKEY after secure-zone")
	}
	for _, c := range []struct {
		name  string
		qt    uint16
		rcode int
	}{
		{"www.example.org.", dns.TypeA, dns.RcodeSuccess},
		{"nosuch.example.org.", dns.TypeA, dns.RcodeNameError},
		{"www.example.org.", dns.TypeTXT, dns.RcodeSuccess},
		{"x.wild.example.org.", dns.TypeA, dns.RcodeSuccess},
	} {
		got := askCachedQ(t, s.UDP, do(c.name, c.qt), rcodeIs(c.rcode))
		if err := validate(got, keys); err != nil {
			t.Errorf("cached %s %s: %v\n%s", c.name, dns.TypeToString[c.qt], err, got)
		}
	}
	exec(t, m, `UPDATE records SET content = '192.0.2.81' WHERE name = 'www.example.org' AND type = 'A'`)
	var got *dns.Msg
	harness.Eventually(t, waitLimit, "the changed, signed answer", func() bool {
		got = harness.Exchange(t, s.UDP, do("www.example.org.", dns.TypeA), "udp")
		return hasA("192.0.2.81")(got)
	})
	if err := validate(got, keys); err != nil {
		t.Errorf("changed www.example.org A: %v\n%s", err, got)
	}
}

// validate checks that the answer and authority sections are signed (but for a referral's
// NS, none here) and that every RRSIG in them is valid now over its RRset with one of keys.
func validate(m *dns.Msg, keys []*dns.DNSKEY) error {
	for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
		sets := map[string][]dns.RR{}
		var sigs []*dns.RRSIG
		for _, rr := range sec {
			if sig, ok := rr.(*dns.RRSIG); ok {
				sigs = append(sigs, sig)
				continue
			}
			k := strings.ToLower(rr.Header().Name) + "/" + dns.TypeToString[rr.Header().Rrtype]
			sets[k] = append(sets[k], rr)
		}
		for k, set := range sets {
			ok := false
			for _, sig := range sigs {
				if strings.ToLower(sig.Header().Name)+"/"+dns.TypeToString[sig.TypeCovered] != k {
					continue
				}
				for _, key := range keys {
					if key.KeyTag() == sig.KeyTag && sig.Verify(key, set) == nil && sig.ValidityPeriod(time.Now()) {
						ok = true
					}
				}
			}
			if !ok {
				return fmt.Errorf("RRset %s has no valid signature", k)
			}
		}
	}
	return nil
}

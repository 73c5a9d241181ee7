package aliaspool

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// writeKey generates an ECDSA P-256 zone key for zone and writes the .key and .private
// files the dnssec plugin reads; it returns their common base path.
func writeKey(t *testing.T, zone string) string {
	t.Helper()
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     257,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
	}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base := fmt.Sprintf("K%s+%03d+%05d", zone, k.Algorithm, k.KeyTag())
	harness.WriteFile(t, dir, base+".key", k.String()+"\n")
	harness.WriteFile(t, dir, base+".private", k.PrivateKeyString(priv))
	return filepath.Join(dir, base)
}

// verifySigs checks that every RRSIG in rrs validates its RRset with key and that every
// RRset of the wanted types is signed, and returns the RRSIGs' zone-file lines.
func verifySigs(t *testing.T, section string, rrs []dns.RR, key *dns.DNSKEY, signed ...uint16) []string {
	t.Helper()
	sets := map[uint16][]dns.RR{}
	var sigs []*dns.RRSIG
	for _, rr := range rrs {
		if s, ok := rr.(*dns.RRSIG); ok {
			sigs = append(sigs, s)
			continue
		}
		sets[rr.Header().Rrtype] = append(sets[rr.Header().Rrtype], rr)
	}
	var out []string
	for _, typ := range signed {
		found := false
		for _, s := range sigs {
			if s.TypeCovered != typ {
				continue
			}
			found = true
			if err := s.Verify(key, sets[typ]); err != nil {
				t.Errorf("%s: RRSIG over %s does not validate: %v", section, dns.Type(typ), err)
			}
			if !s.ValidityPeriod(time.Now()) {
				t.Errorf("%s: RRSIG over %s is not valid now: %s", section, dns.Type(typ), s)
			}
		}
		if !found {
			t.Errorf("%s: no RRSIG over %s", section, dns.Type(typ))
		}
	}
	for _, s := range sigs {
		out = append(out, s.String())
	}
	if len(sigs) != len(signed) {
		t.Errorf("%s: %d RRSIGs, want %d", section, len(sigs), len(signed))
	}
	return out
}

// The dnssec plugin, above alias and pool, signs what they synthesize online.
func TestAliasPoolSignedByDNSSEC(t *testing.T) {
	in := newTestInternet(t)
	zone := writeZone(t, "db.example.org", aliasZone+lines("pool1 60 IN POOL www.example.org."))
	key := writeKey(t, "example.org.")
	s := harness.StartServer(t, fmt.Sprintf(`example.org:0 {
    dnssec {
        key file %s
    }
    alias {
        upstream %s
    }
    pool
    file %s
}`, key, in.Addr, zone))

	both(t, s, func(t *testing.T, addr, network string) {
		kr := harness.Exchange(t, addr, harness.WithEDNS(harness.Query("example.org.", dns.TypeDNSKEY), 4096, true), network)
		var dnskey *dns.DNSKEY
		for _, rr := range kr.Answer {
			if k, ok := rr.(*dns.DNSKEY); ok {
				dnskey = k
			}
		}
		if dnskey == nil {
			t.Fatalf("no DNSKEY in the server's answer:\n%s", kr)
		}
		harness.AssertResponse(t, kr, harness.Response{
			Authoritative: true,
			Answer:        append([]string{dnskey.String()}, verifySigs(t, "DNSKEY answer", kr.Answer, dnskey, dns.TypeDNSKEY)...),
			Extra:         []string{harness.OPT(4096, true)},
		})

		for _, tc := range []struct {
			name   string
			qtype  uint16
			answer string
		}{
			{"example.org.", dns.TypeA, "example.org. 300 IN A 192.0.2.80"},
			{"example.org.", dns.TypeAAAA, "example.org. 300 IN AAAA 2001:db8::80"},
			{"ext.example.org.", dns.TypeA, "ext.example.org. 120 IN A 198.51.100.1"},
		} {
			r := harness.Exchange(t, addr, harness.WithEDNS(harness.Query(tc.name, tc.qtype), 4096, true), network)
			answer := []string{tc.answer}
			if tc.name == "ext.example.org." {
				answer = append(answer, "ext.example.org. 120 IN A 198.51.100.2")
			}
			harness.AssertResponse(t, r, harness.Response{
				Authoritative: true,
				Answer:        append(answer, verifySigs(t, tc.name+" answer", r.Answer, dnskey, tc.qtype)...),
				Ns:            append([]string{apexNS}, verifySigs(t, tc.name+" authority", r.Ns, dnskey, dns.TypeNS)...),
				Extra:         []string{harness.OPT(4096, true)},
			})
		}

		// pool's CNAME and the member's addresses, each RRset signed.
		r := harness.Exchange(t, addr, harness.WithEDNS(harness.Query("pool1.example.org.", dns.TypeA), 4096, true), network)
		harness.AssertResponse(t, r, harness.Response{
			Authoritative: true,
			Answer: append([]string{"pool1.example.org. 60 IN CNAME www.example.org.", "www.example.org. 600 IN A 192.0.2.80"},
				verifySigs(t, "pool answer", r.Answer, dnskey, dns.TypeCNAME, dns.TypeA)...),
			Ns:    append([]string{apexNS}, verifySigs(t, "pool authority", r.Ns, dnskey, dns.TypeNS)...),
			Extra: []string{harness.OPT(4096, true)},
		})
	})
}

package sqlstore

import (
	"testing"

	"github.com/miekg/dns"
)

// TestFromRRRoundTrip: what FromRR makes, ToRR reads back to the same record.
func TestFromRRRoundTrip(t *testing.T) {
	for _, s := range []string{
		"Example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 900 1209600 300",
		"www.example.org. 300 IN A 192.0.2.1",
		"www.example.org. 300 IN AAAA 2001:db8::1",
		"example.org. 300 IN MX 10 mail.example.org.",
		"_sip._tcp.example.org. 300 IN SRV 10 20 5060 sip.example.org.",
		"alias.example.org. 300 IN CNAME www.example.org.",
		"example.org. 300 IN NS ns1.example.net.",
		`example.org. 300 IN TXT "v=spf1 -all" "second string"`,
		`example.org. 300 IN CAA 0 issue "letsencrypt.org"`,
		"*.example.org. 300 IN A 192.0.2.9",
		"d.example.org. 300 IN DNAME other.example.",
		`example.org. 300 IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.org.`,
		`example.org. 300 IN TLSA 3 1 1 0d6fce3368bf2bfa4b7f8a9d3b5a2d7cfdde3a0b0c16e2b8c6c0f0e4f44b9dbc`,
		`example.org. 300 IN NSEC www.example.org. A NS SOA RRSIG NSEC DNSKEY`,
		`example.org. 300 IN SVCB 1 svc.example.org. alpn=h2,h3 port=8443`,
		`example.org. 300 IN TYPE65280 \# 4 0a000001`,
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		row := FromRR(rr)
		if row.Name != dns.CanonicalName(row.Name + ".")[:len(row.Name)] {
			t.Errorf("%s: name %q not lower case", s, row.Name)
		}
		back, err := ToRR("example.org.", row)
		if err != nil {
			t.Fatalf("%s: row %+v: %v", s, row, err)
		}
		rr.Header().Name = dns.CanonicalName(rr.Header().Name)
		if !dns.IsDuplicate(rr, back) || back.Header().Ttl != rr.Header().Ttl {
			t.Errorf("%s: read back as %s", s, back)
		}
	}
}

// FuzzFromRR: a record parsed from any text converts without panicking and
// reads back through ToRR to a duplicate of itself.
func FuzzFromRR(f *testing.F) {
	f.Add("a.example. 60 IN A 192.0.2.1")
	f.Add("example. 60 IN MX 5 mx.example.")
	f.Add(`t.example. 60 IN TXT "a\"b" "c d"`)
	f.Fuzz(func(t *testing.T, s string) {
		rr, err := dns.NewRR(s)
		if err != nil || rr == nil {
			return
		}
		if txt, ok := rr.(*dns.TXT); ok && len(txt.Txt) == 0 {
			return // not a record (RFC 1035: one string at least); PowerDNS cannot hold it
		}
		row := FromRR(rr)
		back, err := ToRR(".", row)
		if err != nil || back == nil {
			return // a record PowerDNS's syntax cannot hold: the writer refuses it
		}
		rr.Header().Name = dns.CanonicalName(rr.Header().Name)
		if !sameWire(rr, back) {
			t.Fatalf("%s reads back as %s", rr, back)
		}
	})
}

// sameWire reports whether a and b pack to the same rdata and header.
func sameWire(a, b dns.RR) bool {
	pa, pb := make([]byte, 70000), make([]byte, 70000)
	na, erra := dns.PackRR(a, pa, 0, nil, false)
	nb, errb := dns.PackRR(b, pb, 0, nil, false)
	return erra == nil && errb == nil && string(pa[:na]) == string(pb[:nb])
}

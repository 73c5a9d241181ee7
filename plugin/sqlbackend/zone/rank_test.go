package zone

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// TestTagsFindWhatRecordsDo: an owner's runs found through its tags are the
// runs found by reading every record, whatever types, RRSIGs among them, sit
// in the tagged slots and past them.
func TestTagsFindWhatRecordsDo(t *testing.T) {
	owners := [][]string{
		{"a.example. 300 IN A 192.0.2.1"},
		{"a.example. 300 IN A 192.0.2.1", "a.example. 300 IN AAAA 2001:db8::1"},
		{"a.example. 300 IN NS ns1.example.", "a.example. 300 IN NS ns2.example.", "a.example. 300 IN SOA ns1.example. h.example. 1 2 3 4 5", "a.example. 300 IN MX 10 mail.example.", "a.example. 300 IN TXT \"x\""},
		{"a.example. 300 IN A 192.0.2.1", "a.example. 300 IN RRSIG A 8 2 300 20300101000000 20200101000000 1 example. AAAA", "a.example. 300 IN RRSIG TXT 8 2 300 20300101000000 20200101000000 1 example. AAAA", "a.example. 300 IN TXT \"x\""},
		{"a.example. 300 IN CNAME b.example.", "a.example. 300 IN RRSIG CNAME 8 2 300 20300101000000 20200101000000 1 example. AAAA", "a.example. 300 IN NSEC b.example. CNAME RRSIG NSEC", "a.example. 300 IN RRSIG NSEC 8 2 300 20300101000000 20200101000000 1 example. AAAA"},
	}
	types := []uint16{dns.TypeA, dns.TypeNS, dns.TypeCNAME, dns.TypeSOA, dns.TypeMX, dns.TypeTXT, dns.TypeAAAA, dns.TypeNSEC, dns.TypeRRSIG, dns.TypeDS, dns.TypeHTTPS}
	for _, texts := range owners {
		rrs := mustRRs(texts)
		sortRecords(rrs)
		o := owner{rrs: rrs, tags: tagsOf(rrs)}
		for _, typ := range types {
			if got, want := o.run(typ), run(rrs, typ); !slices.Equal(got, want) {
				t.Errorf("%v: run %s: %v through the tags, %v reading the records", texts, dns.TypeToString[typ], got, want)
			}
			if got, want := o.sigs(typ), (owner{rrs: rrs}).sigs(typ); !slices.Equal(got, want) {
				t.Errorf("%v: sigs %s: %v through the tags, %v reading the records", texts, dns.TypeToString[typ], got, want)
			}
		}
	}
}

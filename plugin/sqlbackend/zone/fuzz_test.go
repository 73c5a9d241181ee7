package zone

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzLookup builds a zone from fuzzed text (records that do not parse or
// belong elsewhere are left out, as Add refuses them) and asks it a fuzzed
// query, with the zone itself and a sibling served. It must never panic, and
// every answer keeps the invariants checked in checkInvariants.
func FuzzLookup(f *testing.F) {
	f.Add(richZone, "www.example.org.", uint16(dns.TypeA), false)
	f.Add(richZone, "ent.example.org.", uint16(dns.TypeA), true)
	f.Add(richZone, "x.dn.example.org.", uint16(dns.TypeMX), true)
	f.Add(richZone, "a.b.sub.example.org.", uint16(dns.TypeDS), true)
	f.Add(richZone, "cloop1.example.org.", uint16(dns.TypeTXT), false)
	f.Add(richZone, "y.wloop.example.org.", uint16(dns.TypeA), false)
	f.Add(richZone, "svcself.example.org.", uint16(dns.TypeHTTPS), false)
	f.Add("*.a 1 IN CNAME b.a.example.org.\nb.a 1 IN DNAME a.example.org.", "x.b.a.example.org.", uint16(dns.TypeA), false)
	f.Add("a 1 IN DNAME example.org.\n", "x.a.example.org.", uint16(dns.TypeA), true)
	f.Add("@ 1 IN DNAME example.net.\n", "x.example.org.", uint16(dns.TypeCNAME), false)
	f.Add(`\000 1 IN CNAME \001.example.net.`, `\000.example.org.`, uint16(dns.TypeA), false)
	f.Fuzz(func(t *testing.T, text, qname string, qtype uint16, do bool) {
		if len(text) > 4096 {
			return
		}
		z := fuzzZone(t, "example.org.", "@ 3600 IN SOA ns h 1 2 3 4 300\n@ 3600 IN NS ns\n"+text)
		sibling := fuzzZone(t, "example.net.", "@ 600 IN SOA ns h 1 2 3 4 60\nwww 60 IN A 192.0.2.1\n")
		served := servedZones{z, sibling}
		qname = strings.ToLower(dns.Fqdn(qname))
		if _, ok := dns.IsDomainName(qname); !ok || !dns.IsSubDomain("example.org.", qname) {
			qname = "www.example.org."
		}
		q := Query{Name: qname, Type: qtype, DO: do}
		a := z.Lookup(context.Background(), q, served)
		checkInvariants(t, q, a)
		// Walk, Prev and Next agree.
		var names []string
		z.Walk(func(owner string, rrs []dns.RR) bool {
			if len(rrs) == 0 || len(rrs) != cap(rrs) {
				t.Fatalf("Walk: %s has %d records, cap %d", owner, len(rrs), cap(rrs))
			}
			names = append(names, owner)
			return true
		})
		for i := 1; i < len(names); i++ {
			if z.Next(names[i-1]) != names[i] || z.Prev(names[i]) != names[i-1] {
				t.Fatalf("Next/Prev disagree with Walk at %s", names[i])
			}
		}
	})
}

// fuzzZone builds what it can of text.
func fuzzZone(t *testing.T, origin, text string) *Zone {
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	b := NewBuilder(origin)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		b.Add(rr) // refusals are part of the test: they must leave b usable
	}
	z, err := b.Zone()
	if err != nil {
		t.Fatalf("the SOA given was refused: %v", err)
	}
	return z
}

// checkInvariants: sections clipped; every answer record owned by qname or a
// name the chain reached (a CNAME target, a DNAME's owner above one, or an
// RRSIG's); the result agrees with the sections.
func checkInvariants(t *testing.T, q Query, a Answer) {
	t.Helper()
	checkClipped(t, q, a)
	reached := []string{q.Name}
	for _, rr := range a.Answer {
		owner := strings.ToLower(rr.Header().Name)
		ok := false
		for _, n := range reached {
			if owner == n || (rr.Header().Rrtype == dns.TypeDNAME || rr.Header().Rrtype == dns.TypeRRSIG) && dns.IsSubDomain(owner, n) {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("%s: answer record %s owned by a name the chain did not reach %v", q.Name, rr, reached)
		}
		if c, isCNAME := rr.(*dns.CNAME); isCNAME {
			reached = append(reached, strings.ToLower(c.Target))
		}
	}
	hasType := func(rrs []dns.RR, t uint16) bool {
		for _, rr := range rrs {
			if rr.Header().Rrtype == t {
				return true
			}
		}
		return false
	}
	switch a.Result {
	case NoData, NameError:
		if !hasType(a.Ns, dns.TypeSOA) && !strings.HasSuffix(reached[len(reached)-1], "example.net.") && dns.IsSubDomain("example.org.", reached[len(reached)-1]) {
			t.Fatalf("%s: negative answer without SOA: %s", q.Name, show(a))
		}
	case Delegation:
		if !hasType(a.Ns, dns.TypeNS) {
			t.Fatalf("%s: referral without NS: %s", q.Name, show(a))
		}
	case ServerFailure:
		if len(a.Ns) != 0 && len(a.Answer) == 0 {
			t.Fatalf("%s: SERVFAIL with authority but no answer: %s", q.Name, show(a))
		}
	}
	for _, rr := range a.Ns {
		if s, ok := rr.(*dns.SOA); ok && s.Hdr.Ttl > s.Minttl {
			t.Fatalf("%s: negative SOA TTL %d over its MINIMUM %d", q.Name, s.Hdr.Ttl, s.Minttl)
		}
	}
}

// FuzzWithinAgreesWithRelate: the text test Lookup starts with (within) must
// place every name, canonical or not, where the key test (relate) does.
func FuzzWithinAgreesWithRelate(f *testing.F) {
	for _, s := range [][2]string{
		{"example.org.", "www.example.org."}, {"example.org.", "example.org."}, {"example.org.", "Www.Example.org."},
		{"example.org.", `a\.example.org.`}, {"example.org.", `a\\.example.org.`}, {"example.org.", "xexample.org."},
		{"example.org.", "example.net."}, {"example.org.", "..example.org."}, {".", "www.example.org."},
		{"org.", `\111rg.`}, {"example.org.", `a.b\046example.org.`}, {"example.org.", ".example.org."},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, origin, name string) {
		z, err := newZoneOnly(origin)
		if err != nil {
			return
		}
		rel, cmp, ok := z.relate(name)
		wantIn := ok && cmp == 0
		got, in := z.within(name)
		if in != wantIn || (in && got != rel) {
			t.Fatalf("origin %q, name %q: within = %q, %t; relate = %q, %t", z.origin, name, got, in, rel, wantIn)
		}
	})
}

// newZoneOnly is a zone of origin with only its SOA.
func newZoneOnly(origin string) (*Zone, error) {
	b := NewBuilder(origin)
	if _, err := b.Add(&dns.SOA{Hdr: dns.RR_Header{Name: b.origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60}, Ns: "ns.", Mbox: "h."}); err != nil {
		return nil, err
	}
	return b.Zone()
}

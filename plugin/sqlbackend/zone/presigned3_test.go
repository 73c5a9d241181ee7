package zone

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestPresignedNSEC3: a zone signed offline with NSEC3 answers DO queries
// with the proofs of RFC 5155 7.2 made of its own NSEC3 records, each with
// its RRSIG, found by hashing with its NSEC3PARAM's salt and iterations; and
// without DO with none.
func TestPresignedNSEC3(t *testing.T) {
	text, err := os.ReadFile("testdata/presigned-nsec3.db")
	if err != nil {
		t.Fatal(err)
	}
	z := build(t, "example.org.", parseZone(t, string(text)))
	for _, c := range []struct {
		qname  string
		qtype  uint16
		result Result
	}{
		// Hashes before the chain's first: covered by its last NSEC3.
		{beforeChain(t, z), dns.TypeA, NameError},
		{"nope.example.org.", dns.TypeA, NameError},
		{"a.nope.example.org.", dns.TypeA, NameError},
		{"zzz.example.org.", dns.TypeA, NameError},
		{"0.example.org.", dns.TypeA, NameError},
		{"www.example.org.", dns.TypeAAAA, NoData},
		{"example.org.", dns.TypeMX, NoData},
		{"b.ent.example.org.", dns.TypeA, NoData},
		{"insec.example.org.", dns.TypeDS, NoData},
		{"host.wild.example.org.", dns.TypeA, NoData},
		{"host.wild.example.org.", dns.TypeTXT, Success},
	} {
		name := c.qname + " " + dns.TypeToString[c.qtype]
		a := z.Lookup(context.Background(), Query{Name: c.qname, Type: c.qtype, DO: true}, servedZones{z})
		if a.Result != c.result {
			t.Errorf("%s: result %v, want %v\n%s", name, a.Result, c.result, show(a))
			continue
		}
		if err := storedProof(c.qname, c.qtype, a); err != nil {
			t.Errorf("%s: %v\n%s", name, err, show(a))
		}
		plain := z.Lookup(context.Background(), Query{Name: c.qname, Type: c.qtype}, servedZones{z})
		if len(nsec3s(plain.Ns)) > 0 {
			t.Errorf("%s without DO: NSEC3 records\n%s", name, show(plain))
		}
	}
}

// beforeChain returns a name below the apex whose hash sorts before every
// NSEC3 owner of z.
func beforeChain(t *testing.T, z *Zone) string {
	first := ""
	z.Walk(func(owner string, rrs []dns.RR) bool {
		if run(rrs, dns.TypeNSEC3) != nil && (first == "" || owner < first) {
			first = owner
		}
		return true
	})
	for i := 0; i < 10000; i++ {
		name := fmt.Sprintf("n%d.example.org.", i)
		if h := strings.ToLower(dns.HashName(name, dns.SHA1, 1, "ab")); h+".example.org." < first {
			return name
		}
	}
	t.Fatalf("no name hashes before %s", first)
	return ""
}

// storedProof returns why the authority section of a does not prove what a
// says, as a validator reads NSEC3 (RFC 5155 8.4-8.8), or holds an NSEC3
// without its RRSIG.
func storedProof(qname string, qtype uint16, a Answer) error {
	rrs := nsec3s(a.Ns)
	for _, n := range rrs {
		if !slices.ContainsFunc(a.Ns, func(rr dns.RR) bool {
			s, ok := rr.(*dns.RRSIG)
			return ok && s.TypeCovered == dns.TypeNSEC3 && strings.EqualFold(s.Hdr.Name, n.Hdr.Name)
		}) {
			return fmt.Errorf("no RRSIG over the NSEC3 %s", n.Hdr.Name)
		}
	}
	switch a.Result {
	case NameError:
		if match3(rrs, qname) != nil {
			return fmt.Errorf("an NSEC3 matches %s", qname)
		}
		ce, err := nsec3Encloser(rrs, qname, "example.org.")
		if err != nil {
			return err
		}
		if !covered3(rrs, closerOf(qname, ce)) || !covered3(rrs, wildcardName(ce)) {
			return fmt.Errorf("next closer %s or *.%s not covered", closerOf(qname, ce), ce)
		}
	case NoData:
		if m := match3(rrs, qname); m != nil {
			if !denies(m.TypeBitMap, qtype) {
				return fmt.Errorf("the NSEC3 matching %s lists the type", qname)
			}
			return nil
		}
		ce, err := nsec3Encloser(rrs, qname, "example.org.")
		if err != nil {
			return err
		}
		if w := match3(rrs, wildcardName(ce)); !covered3(rrs, closerOf(qname, ce)) || w == nil || !denies(w.TypeBitMap, qtype) {
			return fmt.Errorf("no wildcard NODATA proof at %s", ce)
		}
	case Success:
		// A wildcard answer: the next closer name is covered (RFC 5155 8.8).
		if !covered3(rrs, closerOf(qname, "wild.example.org.")) {
			return fmt.Errorf("next closer of %s not covered", qname)
		}
	}
	return nil
}

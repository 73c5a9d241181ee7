package zone

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestBuilder(t *testing.T) {
	b := NewBuilder("Example.ORG")
	soa := mustRR(t, "example.org. 3600 IN SOA ns.example.org. h.example.org. 1 2 3 4 300")
	if held, err := b.Add(soa); err != nil || held != soa {
		t.Fatalf("SOA: held %v, err %v", held, err)
	}
	a1 := mustRR(t, "WWW.Example.Org. 300 IN A 192.0.2.1")
	if held, err := b.Add(a1); err != nil || held != a1 {
		t.Fatalf("A: held %v, err %v", held, err)
	}
	if a1.Header().Name != "www.example.org." {
		t.Errorf("owner not lower-cased in place: %s", a1.Header().Name)
	}
	// Equal but for the TTL and the case: dropped, the first is held.
	a2 := mustRR(t, "www.EXAMPLE.org. 60 IN A 192.0.2.1")
	if held, err := b.Add(a2); err != nil || held != a1 {
		t.Fatalf("duplicate: held %v, err %v; want the first record", held, err)
	}
	esc := mustRR(t, `has\046dot.example.org. 300 IN TXT "x"`)
	if _, err := b.Add(esc); err != nil || esc.Header().Name != `has\.dot.example.org.` {
		t.Errorf("escaped owner: %s, err %v", esc.Header().Name, err)
	}
	for _, bad := range []struct{ rr, why string }{
		{"www.example.net. 300 IN A 192.0.2.1", "outside"},
		{"example.org.evil. 300 IN A 192.0.2.1", "outside"},
		{"org. 300 IN A 192.0.2.1", "outside"},
		{"sub.example.org. 300 IN SOA ns.example.org. h.example.org. 1 2 3 4 5", "not at the apex"},
		{"example.org. 300 IN SOA ns.example.org. h.example.org. 2 2 3 4 5", "second SOA"},
	} {
		if held, err := b.Add(mustRR(t, bad.rr)); err == nil || !strings.Contains(err.Error(), bad.why) || held != nil {
			t.Errorf("%s: held %v, err %v; want an error saying %q", bad.rr, held, err, bad.why)
		}
	}
	z, err := b.Zone()
	if err != nil {
		t.Fatal(err)
	}
	if z.Origin() != "example.org." || z.Records() != 3 || z.SOA() != soa {
		t.Errorf("origin %s records %d soa %v", z.Origin(), z.Records(), z.SOA())
	}
	if rs := z.RRset("WWW.example.org.", dns.TypeA); len(rs) != 1 || rs[0] != a1 || cap(rs) != 1 {
		t.Errorf("RRset: %v (cap %d)", rs, cap(rs))
	}
	if rs := z.Owner(`has\046dot.example.org.`); len(rs) != 1 || rs[0] != esc {
		t.Errorf("Owner of an escaped name: %v", rs)
	}
	if z.Owner("nope.example.org.") != nil || z.RRset("www.example.org.", dns.TypeAAAA) != nil {
		t.Error("records for names or types the zone does not hold")
	}
	if _, err := b.Add(mustRR(t, "x.example.org. 300 IN A 192.0.2.1")); err == nil {
		t.Error("Add after Zone accepted")
	}
	if _, err := NewBuilder("empty.test.").Zone(); err == nil {
		t.Error("a zone without SOA built")
	}
}

func TestBuilderBigRRset(t *testing.T) {
	rrs := parseZone(t, "$ORIGIN big.test.\n@ 300 IN SOA ns h 1 2 3 4 5\n"+strings.ReplaceAll(bigRRset, "big ", "@ "))
	z := build(t, "big.test.", rrs)
	a := z.RRset("big.test.", dns.TypeA)
	if len(a) != 40 || cap(a) != 40 || a[0].(*dns.A).A.String() != "198.51.100.1" || a[39].(*dns.A).A.String() != "198.51.100.40" {
		t.Errorf("big RRset: %d records, cap %d, kept in the order added?", len(a), cap(a))
	}
}

// TestBuilderCutAddedAfterOtherTypes: a cut whose NS comes after a type
// ranked above it (as rows come from a table) is still a cut: below it and
// at it a referral (RFC 1034 4.3.2 step 3b). Build once counted cuts before
// sorting each name's records, and missed it.
func TestBuilderCutAddedAfterOtherTypes(t *testing.T) {
	z := build(t, "example.org.", parseZone(t, `$ORIGIN example.org.
@ 300 IN SOA ns h 1 2 3 4 5
b 300 IN MX 10 mail.example.org.
b 300 IN DS 1 13 2 00112233
b 300 IN NS ns.other.test.
`))
	for _, name := range []string{"b.example.org.", "x.b.example.org."} {
		got := z.Lookup(context.Background(), Query{Name: name, Type: dns.TypeA}, nil)
		want := Answer{Ns: rrs(t, []string{"b.example.org. 300 IN NS ns.other.test."}), Result: Delegation}
		if msg := compareAnswers(got, want); msg != "" {
			t.Errorf("%s: %s\ngot: %s", name, msg, show(got))
		}
	}
}

package zone

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// rfc4034Order is RFC 4034 6.1's example, in canonical order.
var rfc4034Order = []string{"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.",
	"z.example.", `\001.z.example.`, "*.z.example.", `\200.z.example.`}

func TestCanonicalOrder(t *testing.T) {
	b := NewBuilder("example.")
	if _, err := b.Add(mustRR(t, "example. 300 IN SOA ns.example. h.example. 1 2 3 4 5")); err != nil {
		t.Fatal(err)
	}
	names := slices.Clone(rfc4034Order)
	rand.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, n := range names {
		if _, err := b.Add(mustRR(t, n+" 300 IN TXT x")); err != nil {
			t.Fatal(err)
		}
	}
	z, err := b.Zone()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(rfc4034Order))
	for i, n := range rfc4034Order {
		want[i], _ = canonicalName(n)
	}
	var got []string
	z.Walk(func(owner string, rrs []dns.RR) bool {
		got = append(got, owner)
		return true
	})
	if !slices.Equal(got, want) {
		t.Fatalf("Walk: %q\nwant %q", got, want)
	}
	for i, n := range want {
		prev, next := "", ""
		if i > 0 {
			prev = want[i-1]
		}
		if i < len(want)-1 {
			next = want[i+1]
		}
		if p := z.Prev(n); p != prev {
			t.Errorf("Prev(%s) = %q, want %q", n, p, prev)
		}
		if x := z.Next(n); x != next {
			t.Errorf("Next(%s) = %q, want %q", n, x, next)
		}
	}
	// Names that do not exist fall between their neighbours; names outside
	// the zone before or after all of it.
	for _, c := range []struct{ name, prev, next string }{
		{"b.a.example.", "a.example.", "yljkjljk.a.example."},
		{"zz.a.example.", "zabc.a.example.", "z.example."},
		{`\000.z.example.`, "z.example.", `\001.z.example.`},
		{"zzz.example.", `\200.z.example.`, ""},
		{"a.", "", "example."},
		{".", "", "example."},
		{"zzz.", `\200.z.example.`, ""},
	} {
		if p := z.Prev(c.name); p != c.prev {
			t.Errorf("Prev(%s) = %q, want %q", c.name, p, c.prev)
		}
		if x := z.Next(c.name); x != c.next {
			t.Errorf("Next(%s) = %q, want %q", c.name, x, c.next)
		}
	}
	// Walk stops when told.
	n := 0
	z.Walk(func(string, []dns.RR) bool { n++; return n < 3 })
	if n != 3 {
		t.Errorf("Walk went on after false: %d calls", n)
	}
}

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// FuzzKey checks that byte order of keys is the canonical order of
// RFC 4034 6.1, as refCompare computes it from the wire form.
func FuzzKey(f *testing.F) {
	for i := range rfc4034Order {
		for j := range rfc4034Order {
			f.Add(rfc4034Order[i], rfc4034Order[j])
		}
	}
	f.Add(`a\.b.example.`, `a.b.example.`)
	f.Add(`\000.example.`, `\001\000.example.`)
	f.Add(`A\065.example`, `aa.example.`)
	f.Add(`\\.example.`, `\\\..example.`)
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, erra := nameKey(a)
		kb, errb := nameKey(b)
		la, lb := wireLabels(a), wireLabels(b)
		if la == nil || lb == nil || erra != nil || errb != nil {
			return // not both names; nameKey must just not panic
		}
		if got, want := signum(cmpStrings(ka, kb)), signum(refCompare(a, b)); got != want {
			t.Fatalf("%q vs %q: key order %d, canonical %d (keys %q %q)", a, b, got, want, ka, kb)
		}
	})
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func signum(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

package zone

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestWildcardExpansionKept: a name answered from a wildcard gets the very
// same records from its third time on (kept the second time), owned by the
// name and equal to what was made the first time; another name, or a patched
// wildcard, gets records of its own.
func TestWildcardExpansionKept(t *testing.T) {
	for _, do := range []bool{false, true} {
		z := denialServed(t, true)[0]
		served := servedZones{z}
		ask := func(z *Zone, name string) Answer {
			return z.Lookup(context.Background(), Query{Name: name, Type: dns.TypeA, DO: do}, servedZones{z})
		}
		once, kept := ask(z, "k1.w.example.org."), ask(z, "k1.w.example.org.")
		again := ask(z, "k1.w.example.org.")
		if len(once.Answer) != 1 || len(kept.Answer) != 1 || len(again.Answer) != 1 {
			t.Fatalf("DO=%v: answers %s; %s; %s", do, show(once), show(kept), show(again))
		}
		if again.Answer[0] != kept.Answer[0] {
			t.Errorf("DO=%v: expansion made again once kept: %v", do, again.Answer[0])
		}
		if want := "k1.w.example.org.\t300\tIN\tA\t192.0.2.99"; once.Answer[0].String() != want || kept.Answer[0].String() != want {
			t.Errorf("DO=%v: expansions %v, then %v; want %s", do, once.Answer[0], kept.Answer[0], want)
		}
		other := served[0].Lookup(context.Background(), Query{Name: "k2.w.example.org.", Type: dns.TypeA, DO: do}, served)
		if len(other.Answer) != 1 || other.Answer[0] == kept.Answer[0] || other.Answer[0].Header().Name != "k2.w.example.org." {
			t.Errorf("DO=%v: another name's expansion: %s", do, show(other))
		}

		old := run(z.Owner("*.w.example.org."), dns.TypeA)[0]
		changed := dns.Copy(old).(*dns.A)
		changed.A = []byte{192, 0, 2, 98}
		nz, _, err := z.Patch([]dns.RR{old}, []dns.RR{changed})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			after := ask(nz, "k1.w.example.org.")
			if want := "k1.w.example.org.\t300\tIN\tA\t192.0.2.98"; len(after.Answer) != 1 || after.Answer[0].String() != want {
				t.Fatalf("DO=%v: after a patch of the wildcard: %s; want %s", do, show(after), want)
			}
		}
		if again := ask(z, "k1.w.example.org."); again.Answer[0] != kept.Answer[0] {
			t.Errorf("DO=%v: the old version, after the patch: %v, not the expansion it kept", do, again.Answer[0])
		}
	}
}

// TestWildcardFloodKeepsNothing: names answered from a wildcard once each
// keep no expansion and leave the hot name's in place.
func TestWildcardFloodKeepsNothing(t *testing.T) {
	z := denialServed(t, true)[0]
	hot := Query{Name: "hot.w.example.org.", Type: dns.TypeTXT}
	z.Lookup(context.Background(), hot, servedZones{z})
	kept := z.Lookup(context.Background(), hot, servedZones{z})
	before := expansions.kept()
	for i := range 5000 {
		z.Lookup(context.Background(), Query{Name: fmt.Sprintf("flood%d.w.example.org.", i), Type: dns.TypeTXT}, servedZones{z})
	}
	if n := expansions.kept() - before; n > 0 {
		t.Errorf("a flood of 5,000 names asked once kept %d expansions, want none", n)
	}
	if again := z.Lookup(context.Background(), hot, servedZones{z}); again.Answer[0] != kept.Answer[0] {
		t.Errorf("after the flood: the hot name's expansion made again: %v", again.Answer[0])
	}
}

// TestWildcardLargeNotKept: an expansion over maxKeptOctets is made for each
// answer, never kept, so the table's memory stays bounded whatever the
// wildcard holds.
func TestWildcardLargeNotKept(t *testing.T) {
	long := make([]byte, 600)
	for i := range long {
		long[i] = 'x'
	}
	text := "$ORIGIN example.com.\n@ 300 IN SOA ns1 admin 1 3600 600 86400 300\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.1\n" +
		fmt.Sprintf("*.big 300 IN TXT %q %q %q\n", long[:250], long[:250], long[:100])
	z := build(t, "example.com.", parseZone(t, text))
	q := Query{Name: "a.big.example.com.", Type: dns.TypeTXT}
	first := z.Lookup(context.Background(), q, servedZones{z})
	z.Lookup(context.Background(), q, servedZones{z})
	third := z.Lookup(context.Background(), q, servedZones{z})
	if len(third.Answer) != 1 || third.Answer[0] == first.Answer[0] || third.Answer[0].String() != first.Answer[0].String() {
		t.Errorf("a %d-octet expansion: %s, then %s; want equal records, made anew", dns.Len(first.Answer[0]), show(first), show(third))
	}
}

// BenchmarkExpansionBytes reports the heap one kept wildcard expansion of an
// A record costs (expansion-B/op): names asked twice each, over the
// expansions kept.
func BenchmarkExpansionBytes(b *testing.B) {
	heapPerKept(b, &expansions, "expansion-B", min(b.N, expansionSlots/2), func(i int) Query {
		return Query{Name: fmt.Sprintf("n%07d.w.example.org.", i), Type: dns.TypeA}
	})
}

// TestExpansionKeepsNoVersion: a kept expansion does not keep the version
// that made it alive (the table can hold one for as long as nobody takes its
// slot, and a version can be a million records).
func TestExpansionKeepsNoVersion(t *testing.T) {
	collected := make(chan struct{})
	func() {
		z := build(t, "example.org.", parseZone(t, denialZone))
		runtime.SetFinalizer(z, func(*Zone) { close(collected) })
		q := Query{Name: "pinned.w.example.org.", Type: dns.TypeA}
		z.Lookup(context.Background(), q, servedZones{z})
		if kept := z.Lookup(context.Background(), q, servedZones{z}); len(kept.Answer) != 1 {
			t.Fatalf("no expansion: %s", show(kept))
		}
	}()
	deadline := time.After(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-collected:
			return
		case <-deadline:
			t.Fatal("the version that made a kept expansion was not collected")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

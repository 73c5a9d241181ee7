package journal

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

func TestCodecRoundTrip(t *testing.T) {
	m := NewMemory(Options{})
	ctx := context.Background()
	v1, _, _ := m.Publish(ctx, "example.org.", zone(t, soaLine("1")+base+"t 300 IN TXT \"a b\" \"c\\\"d\"\n"))
	v2, _, _ := m.Publish(ctx, "example.org.", zone(t, soaLine("2")+base+"u 300 IN AAAA 2001:db8::1\n"))

	got, err := decodeVersion(encodeVersion(v1))
	if err != nil {
		t.Fatal(err)
	}
	same(t, "version", got.RRs, strs(v1.RRs))
	e := diff(v1, v2)
	ge, err := decodeEntry(encodeEntry(e))
	if err != nil {
		t.Fatal(err)
	}
	same(t, "entry deletions", ge.Del, strs(e.Del))
	same(t, "entry additions", ge.Add, strs(e.Add))
}

// FuzzDecode feeds the Redis text decoders anything: they must return an error or a
// version/entry that holds what they promise (SOA first, with the serial), never panic.
func FuzzDecode(f *testing.F) {
	f.Add("7\nexample.org. 3600 IN SOA ns1.example.org. h.example.org. 7 1 1 1 1\nwww.example.org. 300 IN A 192.0.2.1\n")
	f.Add("1 2 1\nexample.org. 3600 IN SOA a. b. 1 1 1 1 1\nexample.org. 3600 IN SOA a. b. 2 1 1 1 1\n")
	f.Add("1 2 2\nexample.org. 3600 IN SOA a. b. 1 1 1 1 1\nx.example.org. 1 IN ALIAS y.example.net.\nexample.org. 3600 IN SOA a. b. 2 1 1 1 1\n")
	f.Add("")
	f.Add("7\n\n")
	f.Add("1 2 5\nexample.org. 3600 IN SOA a. b. 1 1 1 1 1\n")
	f.Add("x\n$ORIGIN example.org.\n")
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := decodeVersion(s); err == nil {
			if v.SOA().Serial != v.Serial {
				t.Fatalf("version %d with SOA %v", v.Serial, v.RRs[0])
			}
		}
		if e, err := decodeEntry(s); err == nil {
			if len(e.Del) == 0 || len(e.Add) == 0 {
				t.Fatalf("entry without SOAs: %v", e)
			}
		}
	})
}

// TestSinceApplies checks on random histories that the condensed difference, applied
// to any version the journal reaches, gives the current one.
func TestSinceApplies(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	m := NewMemory(Options{Versions: 1000})
	var versions []*Version
	for i := range 60 {
		text := soaLine(fmt.Sprint(i + 1))
		for n := range 12 {
			if rng.IntN(2) == 0 {
				text += fmt.Sprintf("n%d 300 IN A 192.0.2.%d\n", n, rng.IntN(3))
			}
		}
		if v, changed, _ := m.Publish(ctx, "example.org.", zone(t, text)); changed {
			versions = append(versions, v)
		}
	}
	cur := versions[len(versions)-1]
	for _, v := range versions[:len(versions)-1] {
		del, add, ok, err := m.Since(ctx, "example.org.", v.Serial)
		if err != nil || !ok {
			t.Fatalf("Since(%d): %v %v", v.Serial, ok, err)
		}
		got := apply(v.RRs[1:], del[1:], add[1:])
		if !slices.Equal(strs(got), strs(cur.RRs[1:])) {
			t.Fatalf("from %d: applied difference gives %v, want %v", v.Serial, strs(got), strs(cur.RRs[1:]))
		}
		if del[0].(*dns.SOA).Serial != v.Serial || add[0].(*dns.SOA).Serial != cur.Serial {
			t.Fatalf("from %d: SOAs %v %v", v.Serial, del[0], add[0])
		}
	}
}

func apply(rrs, del, add []dns.RR) []dns.RR {
	out := slices.DeleteFunc(slices.Clone(rrs), func(rr dns.RR) bool {
		return slices.ContainsFunc(del, func(d dns.RR) bool { return Compare(d, rr) == 0 })
	})
	out = append(out, add...)
	slices.SortFunc(out, Compare)
	return out
}

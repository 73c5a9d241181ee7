package zone

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestFlatAndTreeAgree checks that a flat set finds, walks and patches
// owners as the B-tree does, for random sets and keys, and that a set past
// smallRecords records is a tree.
func TestFlatAndTreeAgree(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		sorted := randomOwners(r, 1+r.Intn(smallOwners))
		_, flat := packOwners("okey", sorted)
		if flat.tree != nil {
			t.Fatalf("round %d: %d owners packed as a tree", round, len(sorted))
		}
		tree := owners{tree: newTree()}
		for _, o := range sorted {
			tree.tree.ReplaceOrInsert(o)
		}
		probes := []string{"", "\xff"}
		for _, o := range sorted {
			probes = append(probes, o.key, o.key+"\x00", o.key[:len(o.key)/2])
		}
		for _, k := range probes {
			checkSame(t, fmt.Sprintf("round %d key %q", round, k), flat, tree, k)
		}
		if got, want := flat.last(), tree.last(); !sameOwner(got, want) {
			t.Errorf("round %d: last %q, tree %q", round, got.key, want.key)
		}
		changed := map[string]*owner{}
		for _, o := range randomOwners(r, r.Intn(4)) {
			changed[o.key] = &o
		}
		if len(sorted) > 0 && r.Intn(2) == 0 {
			changed[sorted[0].key] = &owner{key: sorted[0].key} // no records: removed
		}
		nf, nt := flat.with(changed), tree.with(changed)
		for _, k := range probes {
			checkSame(t, fmt.Sprintf("round %d patched, key %q", round, k), nf, nt, k)
		}
	}
}

func TestPackOwnersPastSmallRecordsIsATree(t *testing.T) {
	rrs := make([]dns.RR, smallRecords+1)
	for i := range rrs {
		rrs[i] = &dns.A{Hdr: dns.RR_Header{Name: "a.example.", Rrtype: dns.TypeA, Class: dns.ClassINET}}
	}
	_, set := packOwners("", []owner{{key: "a", rrs: rrs}})
	if set.tree == nil {
		t.Fatalf("%d records packed flat", len(rrs))
	}
	if o, ok := set.get("a"); !ok || len(o.rrs) != len(rrs) {
		t.Errorf("get a: %v, %d records", ok, len(o.rrs))
	}
}

// randomOwners returns n owners with distinct random keys, sorted, each with
// one to three records.
func randomOwners(r *rand.Rand, n int) []owner {
	seen := map[string]bool{}
	var out []owner
	for len(out) < n {
		k := strings.Repeat(string(rune('a'+r.Intn(4))), 1+r.Intn(3)) + fmt.Sprint(r.Intn(20))
		if seen[k] {
			continue
		}
		seen[k] = true
		var rrs []dns.RR
		for range 1 + r.Intn(3) {
			rrs = append(rrs, &dns.TXT{Hdr: dns.RR_Header{Name: k + ".example.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{k}})
		}
		out = append(out, owner{key: k, rrs: slices.Clip(rrs), tags: tagsOf(rrs)})
	}
	slices.SortFunc(out, func(a, b owner) int { return strings.Compare(a.key, b.key) })
	return out
}

func checkSame(t *testing.T, what string, a, b owners, key string) {
	t.Helper()
	ga, oka := a.get(key)
	gb, okb := b.get(key)
	if oka != okb || (oka && !sameOwner(ga, gb)) {
		t.Errorf("%s: get %v %q %d/%d %x, tree %v %q %d/%d %x", what, oka, ga.key, len(ga.rrs), cap(ga.rrs), uint64(ga.tags), okb, gb.key, len(gb.rrs), cap(gb.rrs), uint64(gb.tags))
	}
	if x, y := collect(a.ascend, key), collect(b.ascend, key); !slices.Equal(x, y) {
		t.Errorf("%s: ascend %q, tree %q", what, x, y)
	}
	if x, y := collect(a.descend, key), collect(b.descend, key); !slices.Equal(x, y) {
		t.Errorf("%s: descend %q, tree %q", what, x, y)
	}
}

func collect(walk func(string, func(owner) bool), key string) (keys []string) {
	walk(key, func(o owner) bool {
		keys = append(keys, fmt.Sprintf("%s/%d/%x", o.key, len(o.rrs), uint64(o.tags)))
		return true
	})
	return keys
}

func sameOwner(a, b owner) bool {
	return a.key == b.key && a.tags == b.tags && slices.Equal(a.rrs, b.rrs) && len(a.rrs) == cap(a.rrs)
}

package inspect

import (
	"math/rand/v2"
	"testing"
)

func TestSummaryExactBelowCapacity(t *testing.T) {
	s := newSummary[string](10, nil)
	want := map[string]uint64{"a": 5, "b": 3, "c": 1}
	for k, n := range want {
		for range n {
			s.add(k, 1)
		}
	}
	if s.total != 9 {
		t.Errorf("total %d, want 9", s.total)
	}
	for _, sl := range s.slots {
		if sl.count != want[sl.key] || sl.err != 0 {
			t.Errorf("%s: count %d error %d, want %d and 0", sl.key, sl.count, sl.err, want[sl.key])
		}
	}
	if len(s.slots) != 3 {
		t.Errorf("%d slots, want 3", len(s.slots))
	}
}

// TestSummaryBounds checks Space-Saving's guarantees on a skewed stream against exact counts:
// Count-Error <= true <= Count for every kept key, and every key above total/capacity is kept.
func TestSummaryBounds(t *testing.T) {
	const capacity = 50
	s := newSummary[int](capacity, nil)
	exact := map[int]uint64{}
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.2, 1, 100000)
	for range 200000 {
		k := int(z.Uint64())
		w := uint64(1 + r.IntN(3))
		s.add(k, w)
		exact[k] += w
	}
	if len(s.slots) != capacity {
		t.Fatalf("%d slots, want %d", len(s.slots), capacity)
	}
	kept := map[int]bool{}
	for _, sl := range s.slots {
		kept[sl.key] = true
		if sl.count-sl.err > exact[sl.key] || exact[sl.key] > sl.count {
			t.Errorf("key %d: %d-%d does not bound true %d", sl.key, sl.count, sl.err, exact[sl.key])
		}
	}
	for k, n := range exact {
		if n > s.total/capacity && !kept[k] {
			t.Errorf("key %d with %d of %d not kept", k, n, s.total)
		}
	}
	// The heap holds its order: the root is the smallest count.
	for _, sl := range s.slots {
		if sl.count < s.floor() {
			t.Errorf("floor %d above a count %d", s.floor(), sl.count)
		}
	}
}

func TestSummaryResetKeepsNothing(t *testing.T) {
	s := newSummary[string](2, nil)
	s.add("a", 1)
	s.add("b", 1)
	s.add("c", 1)
	s.reset()
	if len(s.slots) != 0 || len(s.index) != 0 || s.total != 0 || s.floor() != 0 {
		t.Fatalf("after reset: %d slots, %d index, total %d", len(s.slots), len(s.index), s.total)
	}
	s.add("d", 2)
	if s.slots[0].key != "d" || s.slots[0].count != 2 {
		t.Fatalf("after reset and add: %+v", s.slots[0])
	}
}

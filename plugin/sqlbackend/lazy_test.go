package sqlbackend

import (
	"slices"
	"testing"

	"github.com/coredns/coredns/plugin/file"
)

func newLazySource(maxRecords int) *source {
	return &source{cfg: config{maxRecords: maxRecords}, zones: map[string]*file.Zone{}, ids: map[int64]string{},
		recs: map[string]int{}, rowIdx: map[string]rowIndex{}, bad: map[int64]int{}, signed: map[int64]string{},
		lz: newLazyState(), g: newGauges("lazy test", false)}
}

// TestEvictLeastRecentlyUsed: a zone asked for since it was loaded outlives
// the ones that were not, and the zone being installed is never evicted.
func TestEvictLeastRecentlyUsed(t *testing.T) {
	s := newLazySource(40)
	t.Cleanup(s.g.remove)
	z := file.NewZone("x.", "")
	install := func(id int64, name string, records int) {
		s.tick()
		s.mu.Lock()
		s.installLazy(id, name, z, records, nil)
		s.evict(name)
		s.mu.Unlock()
	}
	install(1, "a.", 10)
	install(2, "b.", 10)
	install(3, "c.", 10)
	s.tick()
	if got, _ := s.get("a."); got == nil {
		t.Fatal("a. not loaded")
	}
	install(4, "d.", 15) // 45 > 40: down to 36 by evicting the least recently used, b.
	var loaded []string
	for name := range s.zones {
		loaded = append(loaded, name)
	}
	slices.Sort(loaded)
	if want := []string{"a.", "c.", "d."}; !slices.Equal(loaded, want) || s.lz.total != 35 {
		t.Errorf("loaded %v (%d records), want %v (35)", loaded, s.lz.total, want)
	}
	install(5, "big.", 100) // bigger than the bound alone: kept, everything else goes
	if _, ok := s.zones["big."]; !ok || len(s.zones) != 1 || s.lz.order.Len() != 1 {
		t.Errorf("zones %v, LRU %v: want big. alone", s.zones, s.lz.order.Keys())
	}
}

package alias

import (
	"testing"
	"time"
)

// TestCacheEvictsLeastRecentlyUsed: at capacity the entry used longest ago
// goes, whatever its expiry; lookups ignore case; overwriting evicts nothing.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	c := newCache(2)
	c.set(key("A.example.", 1), &entry{expires: now.Add(time.Second)})
	c.set(key("b.example.", 1), &entry{expires: now.Add(time.Hour)})
	if c.get(key("a.EXAMPLE.", 1)) == nil { // a. is now the most recently used
		t.Fatal("lookup is not case-insensitive")
	}
	c.set(key("c.example.", 1), &entry{expires: now.Add(time.Second)})
	if n := c.len(); n != 2 {
		t.Fatalf("%d entries, want capacity 2", n)
	}
	if c.get(key("b.example.", 1)) != nil {
		t.Error("b. was used least recently but is still there")
	}
	if c.get(key("a.example.", 1)) == nil || c.get(key("c.example.", 1)) == nil {
		t.Error("a. or c. evicted")
	}
	// Overwriting an existing key never evicts.
	c.set(key("c.example.", 1), &entry{expires: now.Add(time.Hour)})
	if n := c.len(); n != 2 || c.get(key("a.example.", 1)) == nil {
		t.Fatalf("%d entries after overwrite, want 2 with a. kept", n)
	}
}

func TestEntryTTL(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	e := &entry{expires: now.Add(1500 * time.Millisecond)}
	if got := e.ttl(now); got != 2 {
		t.Errorf("ttl %d, want 2 (rounded up)", got)
	}
	if got := e.ttl(now.Add(2 * time.Second)); got != 0 {
		t.Errorf("ttl %d after expiry, want 0", got)
	}
}

package alias

import (
	"testing"
	"time"
)

func TestCacheEvictsWhenFull(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	c := newCache(2, time.Minute)
	c.set(key("A.example.", 1), &entry{expires: now.Add(time.Second)}, now)
	c.set(key("b.example.", 1), &entry{expires: now.Add(-2 * time.Minute)}, now) // beyond stale
	if c.get(key("a.EXAMPLE.", 1)) == nil {
		t.Fatal("lookup is not case-insensitive")
	}
	c.set(key("c.example.", 1), &entry{expires: now.Add(time.Second)}, now)
	if n := c.len(); n != 2 {
		t.Fatalf("%d entries, want capacity 2", n)
	}
	if c.get(key("c.example.", 1)) == nil {
		t.Error("new entry not stored")
	}
	// Overwriting an existing key never evicts.
	c.set(key("c.example.", 1), &entry{expires: now.Add(time.Hour)}, now)
	if n := c.len(); n != 2 {
		t.Fatalf("%d entries after overwrite, want 2", n)
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

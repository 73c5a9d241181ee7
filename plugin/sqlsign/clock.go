package sqlsign

import (
	"sync"
	"sync/atomic"
)

// sigKey names one cache entry: a 128-bit digest of what decides it (for a
// signature: the RRset as signed, the signer, the key and the validity). 64
// bits would do for a lookup table, but a collision here serves a wrong
// signature, so the odds are made negligible rather than small.
type sigKey struct{ a, b uint64 }

// clock is a bounded, sharded cache with CLOCK eviction (second chance): an
// entry read since the hand last passed it survives one more round. It
// holds at most size entries in all. Values are stored and handed out as
// they are: they must not be changed once added.
type clock[V any] struct {
	shards []*clockShard[V]
	mask   uint64
	len    atomic.Int64
}

type clockShard[V any] struct {
	mu    sync.Mutex
	index map[sigKey]int // slot of each key
	slots []clockSlot[V]
	size  int
	hand  int
}

type clockSlot[V any] struct {
	key sigKey
	val V
	ref bool
}

const maxShards = 64

// newClock returns a cache of at most size (> 0) entries.
func newClock[V any](size int) *clock[V] {
	n := maxShards
	for n > 1 && n > size {
		n /= 2
	}
	c := &clock[V]{shards: make([]*clockShard[V], n), mask: uint64(n - 1)}
	for i := range c.shards {
		s := size / n
		if i < size%n {
			s++
		}
		c.shards[i] = &clockShard[V]{index: make(map[sigKey]int), size: s}
	}
	return c
}

func (c *clock[V]) shard(k sigKey) *clockShard[V] { return c.shards[k.a&c.mask] }

// lookup returns the value stored under k and marks it read.
func (c *clock[V]) lookup(k sigKey) (V, bool) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[k]
	if !ok {
		var zero V
		return zero, false
	}
	s.slots[i].ref = true
	return s.slots[i].val, true
}

// store puts v under k, evicting the first entry the hand finds unread when
// the shard is full.
func (c *clock[V]) store(k sigKey, v V) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := clockSlot[V]{key: k, val: v}
	if i, ok := s.index[k]; ok {
		s.slots[i] = slot
		return
	}
	if len(s.slots) < s.size {
		s.index[k] = len(s.slots)
		s.slots = append(s.slots, slot)
		c.len.Add(1)
		return
	}
	for s.slots[s.hand].ref {
		s.slots[s.hand].ref = false
		s.hand = (s.hand + 1) % s.size
	}
	delete(s.index, s.slots[s.hand].key)
	s.slots[s.hand] = slot
	s.index[k] = s.hand
	s.hand = (s.hand + 1) % s.size
}

// entries returns the number of values held.
func (c *clock[V]) entries() int { return int(c.len.Load()) }

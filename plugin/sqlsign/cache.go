package sqlsign

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// sigKey names one signature: a 128-bit digest of the RRset as signed, the
// signer, the key (tag, algorithm) and the validity. 64 bits would do for a
// lookup table, but a collision here serves a wrong signature, so the odds
// are made negligible rather than small.
type sigKey struct{ a, b uint64 }

// sigCache is a bounded, sharded cache of signatures with CLOCK eviction
// (second chance): an entry read since the hand last passed it survives one
// more round. It holds at most size entries in all.
type sigCache struct {
	shards []*clockShard
	mask   uint64
	len    atomic.Int64
}

type clockShard struct {
	mu    sync.Mutex
	index map[sigKey]int // slot of each key
	slots []clockSlot
	size  int
	hand  int
}

type clockSlot struct {
	key sigKey
	sig *dns.RRSIG
	set []dns.RR // for an entry found by identity (identityKey): the records signed
	ref bool
}

const maxShards = 64

// newSigCache returns a cache of at most size (> 0) entries.
func newSigCache(size int) *sigCache {
	n := maxShards
	for n > 1 && n > size {
		n /= 2
	}
	c := &sigCache{shards: make([]*clockShard, n), mask: uint64(n - 1)}
	for i := range c.shards {
		s := size / n
		if i < size%n {
			s++
		}
		c.shards[i] = &clockShard{index: make(map[sigKey]int), size: s}
	}
	return c
}

func (c *sigCache) shard(k sigKey) *clockShard { return c.shards[k.a&c.mask] }

// get returns the signature stored under k. The caller must not modify it.
func (c *sigCache) get(k sigKey) (*dns.RRSIG, bool) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[k]
	if !ok {
		return nil, false
	}
	s.slots[i].ref = true
	return s.slots[i].sig, true
}

// getIdentical returns the signature stored under the identity key k of set,
// when the entry holds the very same records.
func (c *sigCache) getIdentical(k sigKey, set []dns.RR) (*dns.RRSIG, bool) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[k]
	if !ok || !sameRecords(s.slots[i].set, set) {
		return nil, false
	}
	s.slots[i].ref = true
	return s.slots[i].sig, true
}

// sameRecords reports whether a and b hold the same records (pointers).
func sameRecords(a, b []dns.RR) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// add stores sig under k, evicting the first entry the hand finds unread
// when the shard is full.
func (c *sigCache) add(k sigKey, sig *dns.RRSIG) { c.addSlot(clockSlot{key: k, sig: sig}) }

// addIdentical stores sig under the identity key k of set, keeping the
// records: while the entry lives, their addresses cannot be reused by other
// records, so an identity hit is never a different RRset.
func (c *sigCache) addIdentical(k sigKey, set []dns.RR, sig *dns.RRSIG) {
	c.addSlot(clockSlot{key: k, sig: sig, set: slices.Clone(set)})
}

func (c *sigCache) addSlot(slot clockSlot) {
	k := slot.key
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
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

// entries returns the number of signatures held.
func (c *sigCache) entries() int { return int(c.len.Load()) }

package sqlsign

import (
	"slices"
	"sync/atomic"

	"github.com/miekg/dns"
)

// sigCache holds signatures, found by content (rrsetDigest.keyFor) or by the
// identity of the records signed (identityKey).
type sigCache struct{ *clock[sigEntry] }

type sigEntry struct {
	sig *dns.RRSIG
	set []dns.RR // for an entry found by identity: the records signed
}

// newSigCache returns a cache of at most size (> 0) signatures.
func newSigCache(size int) *sigCache { return &sigCache{newClock[sigEntry](size)} }

// get returns the signature stored under k. The caller must not modify it.
func (c *sigCache) get(k sigKey) (*dns.RRSIG, bool) {
	e, ok := c.lookup(k)
	return e.sig, ok
}

// getIdentical returns the signature stored under the identity key k of set,
// when the entry holds the very same records.
func (c *sigCache) getIdentical(k sigKey, set []dns.RR) (*dns.RRSIG, bool) {
	e, ok := c.lookup(k)
	if !ok || !sameRecords(e.set, set) {
		return nil, false
	}
	return e.sig, true
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

// add stores sig under k.
func (c *sigCache) add(k sigKey, sig *dns.RRSIG) { c.store(k, sigEntry{sig: sig}) }

// addIdentical stores sig under the identity key k of set, keeping the
// records: while the entry lives, their addresses cannot be reused by other
// records, so an identity hit is never a different RRset.
func (c *sigCache) addIdentical(k sigKey, set []dns.RR, sig *dns.RRSIG) {
	c.store(k, sigEntry{sig: sig, set: slices.Clone(set)})
}

// doorkeeper tells whether a key was asked before: per slot the last key
// asked, so a key comes in on its second ask when no other key took its
// slot in between, and a flood of keys asked once lets nothing in.
type doorkeeper struct{ slots []atomic.Uint64 }

// expandedSlots is the doorkeeper's size for wildcard expansions: 512 KiB.
const expandedSlots = 1 << 16

func newDoorkeeper(slots int) *doorkeeper {
	return &doorkeeper{slots: make([]atomic.Uint64, slots)}
}

// again reports whether k was the last key asked in its slot.
func (d *doorkeeper) again(k sigKey) bool {
	return d.slots[k.a&uint64(len(d.slots)-1)].Swap(k.b) == k.b
}

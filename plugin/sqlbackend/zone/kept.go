package zone

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// keptTable keeps records the engine makes per answer (NSEC3 white lies,
// wildcard expansions), so that the same question gets the very same
// records again: the signer above then finds their signatures, and the
// whole signed answer, by the records' identity instead of packing, hashing
// and looking them up anew, and the engine does not make them again.
//
// One table serves every version of every zone, so its memory is bounded
// whatever the number of zones (slots entries at most). It is
// direct-mapped, and records are kept only the second time their key is
// asked while its slot remembers the first (the hash in seen): a flood of
// random names, each asked once, keeps nothing and leaves the hot names'
// records in place. Keys name what the records were made from (a version's
// denial, a version's records), so a new version never finds an older
// version's.
//
// The slots are made at the first use, so a server that never needs them
// does not pay for them.
type keptTable[K comparable] struct {
	size  int // slots, a power of two
	once  sync.Once
	slots []atomic.Pointer[keptEntry[K]]
	seen  []atomic.Uint64 // per slot, the hash of the last key made and not kept
	seed  maphash.Seed
}

type keptEntry[K comparable] struct {
	key K
	rrs []dns.RR
}

func (t *keptTable[K]) init() {
	t.slots, t.seen = make([]atomic.Pointer[keptEntry[K]], t.size), make([]atomic.Uint64, t.size)
	t.seed = maphash.MakeSeed()
}

// get returns the records kept for k, or makes them, and keeps them when k's
// slot remembers making them before. The records are shared: read-only.
func (t *keptTable[K]) get(k K, build func() []dns.RR) []dns.RR {
	t.once.Do(t.init)
	h := maphash.Comparable(t.seed, k)
	i := h & uint64(t.size-1)
	if e := t.slots[i].Load(); e != nil && e.key == k {
		return e.rrs
	}
	rrs := build()
	if t.seen[i].Swap(h) == h {
		t.slots[i].Store(&keptEntry[K]{key: k, rrs: rrs})
	}
	return rrs
}

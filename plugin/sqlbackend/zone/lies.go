package zone

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// lies keeps the NSEC3 white lies that versions signed online have made, so
// that a name denied again gets the very same records: the signer above
// then finds their signatures, and the whole signed answer, by the
// records' identity instead of packing, hashing and looking them up anew,
// and the zone does not hash the name again.
//
// One table serves every version of every zone, so its memory is bounded
// whatever the number of zones (lieSlots entries at most, a few hundred
// bytes each). It is direct-mapped, and a lie is kept only the second time
// its name is asked while its slot remembers the first (the hash in seen):
// a flood of random names, each asked once, keeps nothing and leaves the
// hot names' lies in place. An entry names its version's denial, which a
// patch replaces: a new version never finds an older version's lies, whose
// TTL or bitmap may differ.
//
// The table is made at the first lie, so a server without NSEC3 zones
// signed online does not pay for it.
var lies lieTable

// lieSlots holds the hot negative names of a large deployment: 131,072
// pointers and hashes (2 MiB) and as many lies at most (296 bytes each:
// BenchmarkLieBytes).
const lieSlots = 1 << 17

type lieTable struct {
	once  sync.Once
	slots []atomic.Pointer[lie]
	seen  []atomic.Uint64 // per slot, the hash of the last key made and not kept
	seed  maphash.Seed
}

// lie is one NSEC3 record made for name: matching it or covering it.
type lie struct {
	key lieKey
	rrs []dns.RR
}

type lieKey struct {
	den   *denial
	cover bool
	name  string
}

func (t *lieTable) init() {
	t.slots, t.seen = make([]atomic.Pointer[lie], lieSlots), make([]atomic.Uint64, lieSlots)
	t.seed = maphash.MakeSeed()
}

// get returns the lie kept for k, or makes it, and keeps it when k's slot
// remembers making it before.
func (t *lieTable) get(k lieKey, build func() dns.RR) []dns.RR {
	t.once.Do(t.init)
	h := maphash.Comparable(t.seed, k)
	i := h & uint64(lieSlots-1)
	if l := t.slots[i].Load(); l != nil && l.key == k {
		return l.rrs
	}
	rrs := []dns.RR{build()}
	if t.seen[i].Swap(h) == h {
		t.slots[i].Store(&lie{key: k, rrs: rrs})
	}
	return rrs
}

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
// bytes each). It is direct-mapped: a new lie takes its slot from whatever
// was there. A flood of random names therefore churns it without growing
// it, and a name asked again soon after wins its slot back. An entry names
// its version's denial, which a patch replaces: a new version never finds
// an older version's lies, whose TTL or bitmap may differ.
//
// The table is made at the first lie, so a server without NSEC3 zones
// signed online does not pay for it.
var lies lieTable

// lieSlots holds the hot negative names of a large deployment: 131,072
// pointers (1 MiB) and as many lies at most (296 bytes each: BenchmarkLieBytes).
const lieSlots = 1 << 17

type lieTable struct {
	once  sync.Once
	slots []atomic.Pointer[lie]
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

func (t *lieTable) slot(k lieKey) *atomic.Pointer[lie] {
	t.once.Do(func() { t.slots, t.seed = make([]atomic.Pointer[lie], lieSlots), maphash.MakeSeed() })
	h := maphash.Comparable(t.seed, k)
	return &t.slots[h&uint64(len(t.slots)-1)]
}

// get returns the lie kept for k, or makes it and keeps it.
func (t *lieTable) get(k lieKey, build func() dns.RR) []dns.RR {
	s := t.slot(k)
	if l := s.Load(); l != nil && l.key == k {
		return l.rrs
	}
	l := &lie{key: k, rrs: []dns.RR{build()}}
	s.Store(l)
	return l.rrs
}

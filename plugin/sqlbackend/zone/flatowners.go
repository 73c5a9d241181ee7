package zone

import (
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// flatOwners is a small zone's owners packed for the cache and the
// collector: every key in one string, every record in one array, and per
// owner only where its key and records lie, in an array without pointers.
// A lookup's binary search then reads 16 bytes an owner (48 as owner
// values) and the collector has no pointers to follow in it: with 100,000
// small zones that is a million owners, ten pointers a zone, that every
// collection no longer marks.
type flatOwners struct {
	keys  string
	rrs   []dns.RR
	spans []ownerSpan
}

// ownerSpan is where an owner's key and records lie in flatOwners: 16 bits
// hold the keys of smallOwners owners (at most 255 octets each) and
// smallRecords records.
type ownerSpan struct {
	key0, key1, rrs0, rrs1 uint16
	tags
}

// smallRecords is the most records a flat set holds: a patch of a flat set
// copies all of them (with), which must stay cheap.
const smallRecords = 1024

// fitsFlat reports whether owners of n records in all go in a flat set.
func fitsFlat(owners, n int) bool { return owners <= smallOwners && n <= smallRecords }

// packOwners returns the set of sorted, each owner's records sorted, with
// prefix and the owners' keys in one string and all records in one array:
// a flat set when it fits, else a B-tree of owners that alias the two. It
// also returns the prefix's copy, which lies in the same string: the origin's
// key, which the zone keeps, on the line next to the keys it searches.
func packOwners(prefix string, sorted []owner) (string, owners) {
	nkey, nrr := len(prefix), 0
	for _, o := range sorted {
		nkey += len(o.key)
		nrr += len(o.rrs)
	}
	var b strings.Builder
	b.Grow(nkey)
	b.WriteString(prefix)
	for _, o := range sorted {
		b.WriteString(o.key)
	}
	all, arena := b.String(), make([]dns.RR, 0, nrr)
	keys := all[len(prefix):]
	var set owners
	if fitsFlat(len(sorted), nrr) {
		set.flat = flatOwners{keys: keys, spans: make([]ownerSpan, len(sorted))}
	} else {
		set.tree = newTree()
	}
	k := 0
	for i, o := range sorted {
		r := len(arena)
		arena = append(arena, o.rrs...)
		rrs, t := arena[r:len(arena):len(arena)], tagsOf(o.rrs)
		if set.tree != nil {
			set.tree.ReplaceOrInsert(owner{key: keys[k : k+len(o.key)], rrs: rrs, tags: t})
		} else {
			set.flat.spans[i] = ownerSpan{uint16(k), uint16(k + len(o.key)), uint16(r), uint16(len(arena)), t}
		}
		k += len(o.key)
	}
	if set.tree == nil {
		set.flat.rrs = arena
	}
	return all[:len(prefix)], set
}

func (f flatOwners) len() int { return len(f.spans) }

func (f flatOwners) key(i int) string {
	e := &f.spans[i]
	return f.keys[e.key0:e.key1]
}

func (f flatOwners) at(i int) owner {
	e := &f.spans[i]
	return owner{key: f.key(i), rrs: f.rrs[e.rrs0:e.rrs1:e.rrs1], tags: e.tags}
}

// search returns where key is, or would be.
func (f flatOwners) search(key string) (int, bool) {
	i := sort.Search(f.len(), func(m int) bool { return f.key(m) >= key })
	return i, i < f.len() && f.key(i) == key
}

// all returns the owners as values, in order.
func (f flatOwners) all() []owner {
	out := make([]owner, f.len())
	for i := range out {
		out[i] = f.at(i)
	}
	return out
}

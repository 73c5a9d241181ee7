package zone

import (
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"
)

// Zone is one immutable version of an authoritative zone: never changed once
// Build or Patch returned it, so any number of goroutines read it without
// locks.
type Zone struct {
	origin  string
	okey    string // the origin's key; owners' keys are relative to it
	set     owners
	apex    owner     // the apex, also in set: every answer needs its records
	neg     dns.SOA   // the SOA as negative answers carry it (negativeSOA)
	negSOA  [1]dns.RR // &neg, in an array so that negSOA[:] costs nothing
	records int       // records held
	special int       // owners that make a lookup look above qname: non-apex NS, any DNAME
	den     *denial   // how the zone, signed online, proves denial; nil: pre-signed data as held
	gen     uint64    // this version's number, unique in the process: names it without pinning it
}

// generations numbers the versions made (newZone).
var generations atomic.Uint64

// owner is one owner name and all its records, sorted by rank (type, then
// the covered type for RRSIGs), records of one rank in the order added. An
// RRset, or the RRSIGs over one, is then one contiguous run that answers are
// made of without copying. The set holds owners by value: a key string and
// a slice header, no pointer to chase per owner.
type owner struct {
	key  string
	rrs  []dns.RR // never empty, clipped
	tags tags     // the types of the first records, so that finding a run reads no record it does not return
}

func (o owner) name() string { return o.rrs[0].Header().Name }

// Origin returns the zone's origin: lower case, fully qualified.
func (z *Zone) Origin() string { return z.origin }

// SOA returns the zone's SOA record. Never nil.
func (z *Zone) SOA() *dns.SOA { return z.apex.run(dns.TypeSOA)[0].(*dns.SOA) }

// Records returns how many records the zone holds, SOA included.
func (z *Zone) Records() int { return z.records }

// Owner returns every record at name, nil if none. Read-only.
func (z *Zone) Owner(name string) []dns.RR {
	o, ok := z.get(name)
	if !ok {
		return nil
	}
	return o.rrs
}

// RRset returns the records of type t at name. Read-only, clipped (len == cap).
func (z *Zone) RRset(name string, t uint16) []dns.RR {
	o, ok := z.get(name)
	if !ok {
		return nil
	}
	return o.run(t)
}

// Walk calls fn for each owner name in canonical order (RFC 4034 6.1; the
// apex first) with its records, until fn returns false.
func (z *Zone) Walk(fn func(owner string, rrs []dns.RR) bool) {
	z.set.ascend("", func(o owner) bool { return fn(o.name(), o.rrs) })
}

// Prev returns the owner name just before name in canonical order, "" if none.
// name need not exist, nor be in the zone.
func (z *Zone) Prev(name string) string {
	rel, cmp, ok := z.relate(name)
	switch {
	case !ok || cmp < 0:
		return ""
	case cmp > 0:
		return z.set.last().name()
	}
	o, ok := z.before(rel)
	if !ok {
		return ""
	}
	return o.name()
}

// Next returns the owner name just after name in canonical order, "" if none.
// name need not exist, nor be in the zone.
func (z *Zone) Next(name string) string {
	rel, cmp, ok := z.relate(name)
	switch {
	case !ok || cmp > 0:
		return ""
	case cmp < 0:
		return z.origin
	}
	o, ok := z.after(rel)
	if !ok {
		return ""
	}
	return o.name()
}

// relate returns name's key relative to the origin when name is in the zone
// (cmp 0), or else whether it sorts before (cmp < 0) or after every name of
// the zone.
func (z *Zone) relate(name string) (rel string, cmp int, ok bool) {
	k, err := nameKey(name)
	if err != nil {
		return "", 0, false
	}
	if strings.HasPrefix(k, z.okey) {
		return k[len(z.okey):], 0, true
	}
	if k < z.okey {
		return "", -1, true
	}
	return "", 1, true
}

// within returns name's key relative to the origin when name is at or below
// it. A canonical name is told by its text: its tail is the origin's, which
// the zone set's match has just read (one string for both), where the
// origin's key would be one more load from memory, a cache miss with many
// zones. Any other name goes by its key (relate).
func (z *Zone) within(name string) (rel string, ok bool) {
	n, o := len(name), len(z.origin)
	if o > 1 && n > o+1 && name[n-o:] == z.origin && endsLabel(name, n-o-1) && !endsLabel(name, n-o-2) {
		rel, err := nameKey(name[:n-o-1]) // the labels above the origin: never empty, nor ending in an empty one
		return rel, err == nil
	}
	if name == z.origin {
		return "", true
	}
	rel, cmp, ok := z.relate(name)
	return rel, ok && cmp == 0
}

// endsLabel reports whether name[i] is a dot that ends a label.
func endsLabel(name string, i int) bool { return name[i] == '.' && !escapedAt(name, i) }

// get finds the owner name.
func (z *Zone) get(name string) (owner, bool) {
	rel, cmp, ok := z.relate(name)
	if !ok || cmp != 0 {
		return owner{}, false
	}
	return z.set.get(rel)
}

// before returns the last owner whose key is less than rel.
func (z *Zone) before(rel string) (o owner, ok bool) {
	z.set.descend(rel, func(x owner) bool {
		if x.key == rel {
			return true
		}
		o, ok = x, true
		return false
	})
	return o, ok
}

// after returns the first owner whose key is greater than rel.
func (z *Zone) after(rel string) (o owner, ok bool) {
	z.set.ascend(rel, func(x owner) bool {
		if x.key == rel {
			return true
		}
		o, ok = x, true
		return false
	})
	return o, ok
}

// hasBelow reports whether some owner is strictly below the name whose key is
// rel: then that name exists, as an empty non-terminal if it has no records.
func (z *Zone) hasBelow(rel string) bool {
	o, ok := z.after(rel)
	return ok && isBelow(o.key, rel)
}

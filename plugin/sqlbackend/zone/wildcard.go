package zone

import (
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

// expansions keeps wildcard answers as synthesised for a name (kept.go): a
// name answered from a wildcard again gets the very same records, which a
// signer above finds signed, the whole answer too, by their identity.
var expansions = keptTable[expansionKey]{size: expansionSlots}

// expansionSlots bounds the table: 65,536 pointers and hashes (1 MiB), and
// as many expansions of at most maxKeptRecords records and maxKeptOctets
// octets in wire form each (an A record's expansion costs 184 bytes of heap:
// BenchmarkExpansionBytes).
const (
	expansionSlots = 1 << 16
	maxKeptRecords = 8
	maxKeptOctets  = 512
)

// expansionKey names an expansion by the version (its number: a key that
// pointed into the version would keep it alive while the slot is kept), the
// name it was made for, which in one version decides the wildcard, and the
// run of the wildcard's records: the rank (type, or the type an RRSIG
// covers) of its first record and its length. Runs start at their first
// rank's first record, so those two tell one run of the wildcard's sorted
// records from another (the RRSIGs over A, or all its RRSIGs).
type expansionKey struct {
	gen  uint64
	rank uint32
	n    int
	name string
}

// expand returns copies of rrs (a run of the wildcard's records that answers
// qname in z) with the owner name qname: the wildcard's records as
// synthesised for qname, the same ones each time once kept. Read-only,
// clipped.
func (z *Zone) expand(rrs []dns.RR, qname string) []dns.RR {
	switch {
	case len(rrs) == 0:
		return nil
	case len(rrs) > maxKeptRecords || wireLen(rrs) > maxKeptOctets:
		return rrtypes.WithOwner(rrs, qname)
	}
	return expansions.get(expansionKey{gen: z.gen, rank: rank(rrs[0]), n: len(rrs), name: qname}, func() []dns.RR {
		return rrtypes.WithOwner(rrs, qname)
	})
}

// wireLen is how long rrs are in wire form, uncompressed.
func wireLen(rrs []dns.RR) int {
	n := 0
	for _, rr := range rrs {
		n += dns.Len(rr)
	}
	return n
}

// Wildcard returns the owner of the wildcard ("*.closest.encloser.") whose
// records answer name, "" when name has records of its own, is an empty
// non-terminal, is not in the zone, is below a cut or a DNAME, or no
// wildcard matches it (RFC 4592 3.3.1). A signer signs what the wildcard
// answered over the wildcard's owner (RFC 4035 5.3.2: the Labels field).
func (z *Zone) Wildcard(name string) string {
	rel, cmp, ok := z.relate(name)
	if !ok || cmp != 0 {
		return ""
	}
	if _, ok := z.set.get(rel); ok || (z.special > 0 && z.occluded(rel)) {
		return ""
	}
	ce, ent := z.closestEncloser(rel)
	if ent {
		return ""
	}
	if w, ok := z.set.get(wildcardKey(ce)); ok {
		return w.name()
	}
	return ""
}

// occluded reports whether rel is below a cut or a DNAME: then a lookup
// answers it with a referral or a substitution (lookup.above), not from a
// wildcard.
func (z *Zone) occluded(rel string) bool {
	for i := 0; i < len(rel); i++ {
		if i > 0 && rel[i-1] != 0 {
			continue
		}
		if o, ok := z.set.get(rel[:i]); ok && isSpecial(o) {
			return true
		}
	}
	return false
}

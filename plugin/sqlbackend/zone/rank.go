package zone

import (
	"slices"

	"github.com/miekg/dns"
)

// rank orders an owner's records: by type, RRSIGs then by the type they
// cover, so that every RRset and the signatures over it are contiguous runs.
func rank(rr dns.RR) uint32 {
	t := rr.Header().Rrtype
	if s, ok := rr.(*dns.RRSIG); ok {
		return uint32(t)<<16 | uint32(s.TypeCovered)
	}
	return uint32(t) << 16
}

// sortRecords sorts rrs by rank, keeping the order of records of one rank.
func sortRecords(rrs []dns.RR) {
	slices.SortStableFunc(rrs, func(a, b dns.RR) int {
		ra, rb := rank(a), rank(b)
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return 0
	})
}

// tags holds the types of an owner's first four records, 16 bits each, 0
// where the record itself must be read (an RRSIG, whose rank needs the type it
// covers, or no tag made). A scan for a run then reads only the records it
// returns: once zones outgrow the cache, every other record read is a miss.
type tags uint64

const taggedRecords = 4

// tagsOf returns the tags of the sorted records rrs.
func tagsOf(rrs []dns.RR) tags {
	var t tags
	for i, rr := range rrs[:min(len(rrs), taggedRecords)] {
		if typ := rr.Header().Rrtype; typ != dns.TypeRRSIG {
			t |= tags(typ) << (16 * i)
		}
	}
	return t
}

// rank returns the rank of rrs[i], from the tags when they hold it.
func (t tags) rank(rrs []dns.RR, i int) uint32 {
	if i < taggedRecords {
		if typ := uint16(t >> (16 * i)); typ != 0 {
			return uint32(typ) << 16
		}
	}
	return rank(rrs[i])
}

// run returns the owner's records of type t (for RRSIG: all of them).
func (o owner) run(t uint16) []dns.RR {
	return o.tags.span(o.rrs, uint32(t)<<16, uint32(t)<<16|0xffff)
}

// sigs returns the owner's RRSIGs over type t.
func (o owner) sigs(t uint16) []dns.RR {
	r := uint32(dns.TypeRRSIG)<<16 | uint32(t)
	return o.tags.span(o.rrs, r, r)
}

// withSigs returns the records of type t followed, when do is set, by the
// RRSIGs over them: a clipped sub-slice of the zone's data when there are
// none to add.
func (o owner) withSigs(t uint16, do bool) []dns.RR {
	set := o.run(t)
	if !do {
		return set
	}
	return concat(set, o.sigs(t))
}

// span returns the clipped run of rrs, an owner's records with tags t, whose
// rank lies in [lo, hi].
func (t tags) span(rrs []dns.RR, lo, hi uint32) []dns.RR {
	var i, j int
	if len(rrs) > 8 { // big owners: binary search; small ones: a scan is faster
		i, _ = slices.BinarySearchFunc(rrs, lo, cmpRank)
		j, _ = slices.BinarySearchFunc(rrs[i:], hi, func(rr dns.RR, hi uint32) int {
			if rank(rr) <= hi {
				return -1
			}
			return 1
		})
		j += i
	} else {
		for i < len(rrs) && t.rank(rrs, i) < lo {
			i++
		}
		j = i
		for j < len(rrs) && t.rank(rrs, j) <= hi {
			j++
		}
	}
	if i == j {
		return nil
	}
	return rrs[i:j:j]
}

func cmpRank(rr dns.RR, r uint32) int {
	switch x := rank(rr); {
	case x < r:
		return -1
	case x > r:
		return 1
	}
	return 0
}

// run is owner.run for sorted records held by no owner yet, untagged: every
// record is read.
func run(rrs []dns.RR, t uint16) []dns.RR { return owner{rrs: rrs}.run(t) }

// concat returns a followed by b, a new slice only if both have records.
func concat(a, b []dns.RR) []dns.RR {
	switch {
	case len(b) == 0:
		return a
	case len(a) == 0:
		return b
	}
	out := make([]dns.RR, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

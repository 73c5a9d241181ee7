package zone

import "github.com/miekg/dns"

// The NSEC chain of a zone signed online (RFC 4034 4.1.1, RFC 4035 2.3): its
// authoritative names and its delegation points in canonical order, the last
// pointing back to the apex. Names below a cut (glue, occluded data) are not
// in it, nor empty non-terminals, which have no records. It is not stored:
// the owners are in canonical order already, so the NSEC at a name and the
// one covering a name are found with a search or two, O(log n), in any
// version however it was patched.

// nsecAt returns the NSEC at o, an owner in the chain. It is made once per
// version and then handed out again: the signer above finds the signature
// of a record it has seen by the record's identity, and a denial of a name
// already denied costs it no packing.
func (z *Zone) nsecAt(o owner) dns.RR {
	if rr, ok := z.den.nsecs.Load(o.key); ok {
		return rr.(dns.RR)
	}
	rr := &dns.NSEC{Hdr: z.denialHeader(o.name(), dns.TypeNSEC), NextDomain: z.chainNext(o), TypeBitMap: z.bitmap(o, false)}
	kept, _ := z.den.nsecs.LoadOrStore(o.key, rr)
	return kept.(dns.RR)
}

// chainPrev returns the last owner of the chain whose key is less than rel,
// a name not in the chain: the one whose NSEC covers it.
func (z *Zone) chainPrev(rel string) owner {
	o, _ := z.before(rel) // the apex at least
	if z.special > 0 {
		// An owner below a cut follows the cut, and every owner between them
		// is below it too: the cut is the one.
		if c, ok := z.topCut(o.key); ok {
			return c
		}
	}
	return o
}

// chainNext returns the name after o, an owner in the chain, in the chain:
// the next owner, past those below o when o is a cut (the next owner after
// another one is never below a cut that is not that one), or the apex after
// the last.
func (z *Zone) chainNext(o owner) string {
	var (
		next  owner
		found bool
	)
	if isCut(o) {
		// Every key below o's starts with o's, which ends with the 0x00 that
		// ends a label: none reaches that 0x00 raised to 0x01.
		z.set.ascend(o.key[:len(o.key)-1]+"\x01", func(x owner) bool {
			next, found = x, true
			return false
		})
	} else {
		next, found = z.after(o.key)
	}
	if !found {
		return z.origin
	}
	return next.name()
}

// topCut returns the highest cut at or above the owner key, if any.
func (z *Zone) topCut(key string) (owner, bool) {
	for i := 1; i <= len(key); i++ {
		if key[i-1] != 0 {
			continue
		}
		if o, ok := z.set.get(key[:i]); ok && isCut(o) {
			return o, true
		}
	}
	return owner{}, false
}

// isCut reports whether o is a delegation point: NS below the apex.
func isCut(o owner) bool { return o.key != "" && o.run(dns.TypeNS) != nil }

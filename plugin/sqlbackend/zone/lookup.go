package zone

import (
	"context"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/metadata"
	"github.com/miekg/dns"
)

// Result is what kind of answer a Lookup gave.
type Result uint8

const (
	Success Result = iota
	NoData
	NameError
	Delegation
	ServerFailure
)

// Query is what Lookup answers.
type Query struct {
	Name string // canonical qname, at or below the zone's origin
	Type uint16
	DO   bool // DNSSEC OK: add the RRSIG/NSEC records the zone holds (pre-signed data), as file does, or with a Denial the unsigned NSEC/NSEC3 records it computes
}

// Chaser lets a CNAME chain leave the zone.
type Chaser interface {
	// Zone returns the zone this server answers name from (its longest match
	// among the served zones), or nil when none. A chain into another served
	// zone (a sibling, or a child below a delegation in this zone) continues
	// there (RFC 1034 4.3.2 step 3a: restart at step 1).
	Zone(name string) *Zone
	// External resolves name/qtype outside every served zone, as the file
	// plugin's upstream does.
	External(ctx context.Context, name string, qtype uint16) (*dns.Msg, error)
}

// Answer is a Lookup's answer.
type Answer struct {
	Answer, Ns, Extra []dns.RR // read-only, every slice clipped (len == cap) so a later append copies
	Result            Result
}

// maxLoop is how many times a query may come back through the server (an
// External chase that lands here again) before it is refused, as file does.
const maxLoop = 8

// Lookup answers q from z (and, for CNAME chains, from the zones c gives).
// It answers as file.Zone.Lookup does but where that breaks an RFC: doc.go
// lists those places.
func (z *Zone) Lookup(ctx context.Context, q Query, c Chaser) Answer {
	rel, ok := z.within(q.Name)
	if !ok {
		return Answer{Result: ServerFailure}
	}
	if a, ok := z.apexShortcut(rel, q.Type, q.DO && z.den == nil); ok {
		return a
	}
	loop, _ := ctx.Value(dnsserver.LoopKey{}).(int)
	if loop > maxLoop {
		return Answer{Result: ServerFailure}
	}
	l := lookup{ctx: ctx, qtype: q.Type, do: q.DO, c: c, start: z, loop: loop}
	return l.finish(l.answer(z, q.Name, rel))
}

// lookup is one Lookup under way.
type lookup struct {
	ctx   context.Context
	qtype uint16
	do    bool
	c     Chaser
	start *Zone    // the zone asked
	last  *Zone    // the served zone the chain went on in last, nil if none: its NS and data make a positive answer's authority and additional sections
	loop  int      // the server's loop count the query came with
	chain []dns.RR // the CNAMEs (and DNAMEs) followed so far
	hops  int      // CNAMEs followed
	abort bool     // a CNAME or DNAME that can only loop: SERVFAIL with nothing else, as file
	proof []dns.RR // online denial: the NSEC/NSEC3 proving wildcard answers on the way (RFC 4035 3.1.3.3)
}

// sigs reports whether answers from z carry the RRSIGs and NSECs z holds:
// with DO, for a pre-signed zone (no Denial).
func (l *lookup) sigs(z *Zone) bool { return l.do && z.den == nil }

// online reports whether answers from z carry the NSEC/NSEC3 records of
// authenticated denial that z computes: with DO, for a zone with a Denial.
func (l *lookup) online(z *Zone) bool { return l.do && z.den != nil }

// apexShortcut answers SOA and NS queries at the apex, as file does.
func (z *Zone) apexShortcut(rel string, qtype uint16, do bool) (Answer, bool) {
	if rel != "" {
		return Answer{}, false
	}
	switch qtype {
	case dns.TypeSOA:
		return Answer{Answer: z.apex.withSigs(dns.TypeSOA, do), Ns: z.ns(do), Result: Success}, true
	case dns.TypeNS:
		return Answer{Answer: z.ns(do), Extra: z.glue(z.apex.run(dns.TypeNS), do), Result: Success}, true
	}
	return Answer{}, false
}

// answer answers qname (key rel) from z alone, but for CNAMEs, which it
// follows (follow).
func (l *lookup) answer(z *Zone, qname, rel string) Answer {
	if a, ok := z.apexShortcut(rel, l.qtype, l.sigs(z)); ok {
		return a
	}
	if z.special > 0 {
		if a, done := l.above(z, qname, rel); done {
			return a
		}
	}
	if o, ok := z.set.get(rel); ok {
		return l.exact(z, qname, o)
	}
	return l.missing(z, qname, rel)
}

// above looks at the names from the apex down to qname for a DNAME (RFC 6672
// 3.2) or a zone cut (RFC 1034 4.3.2 step 3b), in that order at each name as
// file does: at qname itself only a cut counts, and not for DS, which the
// parent answers (RFC 4035 3.1.4.1).
func (l *lookup) above(z *Zone, qname, rel string) (Answer, bool) {
	for i := 0; i <= len(rel); i++ {
		if i > 0 && rel[i-1] != 0 {
			continue
		}
		at := rel[:i]
		o, ok := z.set.get(at)
		if !ok {
			continue
		}
		if d := o.run(dns.TypeDNAME); d != nil && at != rel {
			return l.dname(z, qname, o, d[0].(*dns.DNAME)), true
		}
		if at != "" && o.run(dns.TypeNS) != nil && (l.qtype != dns.TypeDS || at != rel) {
			return l.referral(z, o), true
		}
	}
	return Answer{}, false
}

// exact answers from the owner qname itself.
func (l *lookup) exact(z *Zone, qname string, o owner) Answer {
	if cn := o.run(dns.TypeCNAME); cn != nil && l.qtype != dns.TypeCNAME {
		return l.follow(z, cn, o.sigs(dns.TypeCNAME))
	}
	rrs := z.data(o, l.qtype)
	if rrs == nil {
		return Answer{Ns: l.noData(z, o), Result: NoData}
	}
	sg := l.sigs(z)
	answer := rrs
	if sg {
		answer = concat(rrs, o.sigs(l.qtype))
	}
	return Answer{Answer: answer, Ns: z.ns(sg), Extra: z.additional(rrs, sg), Result: Success}
}

// missing answers for a qname that has no records.
func (l *lookup) missing(z *Zone, qname, rel string) Answer {
	ce, ent := z.closestEncloser(rel)
	if ent {
		// qname is an empty non-terminal: it exists, so NODATA (RFC 8020 2,
		// RFC 4592 2.2.2), and no wildcard matches it (RFC 4592 3.3.1: the
		// closest encloser is qname itself). file synthesises from a wildcard
		// above, or answers NODATA with Result Success.
		return Answer{Ns: l.noDataENT(z, qname, rel), Result: NoData}
	}
	wild := wildcardKey(ce)
	if w, ok := z.set.get(wild); ok {
		return l.wildcard(z, qname, rel, ce, w)
	}
	if z.hasBelow(wild) {
		// The source of synthesis is an empty non-terminal, which has no
		// RRset to synthesise from: NODATA (RFC 4592 3.3.3), as file.
		return Answer{Ns: l.noDataWildENT(z, qname, rel, ce), Result: NoData}
	}
	return Answer{Ns: l.nameError(z, qname, rel, ce), Result: NameError}
}

// closestEncloser returns the key of the closest encloser of rel, a name
// without records, and whether rel is itself an empty non-terminal (then rel
// is its own closest encloser). The closest encloser, which may be an empty
// non-terminal (RFC 4592 3.3.1), is the deepest ancestor rel shares with its
// neighbours in canonical order.
func (z *Zone) closestEncloser(rel string) (ce string, ent bool) {
	prev, _ := z.before(rel) // the apex at least
	next, hasNext := z.after(rel)
	if hasNext && isBelow(next.key, rel) {
		return rel, true
	}
	ce = commonAncestor(rel, prev.key)
	if hasNext {
		if c := commonAncestor(rel, next.key); len(c) > len(ce) {
			ce = c
		}
	}
	return ce, false
}

// wildcard answers qname (key rel) from the wildcard w at the closest
// encloser ce (RFC 4592 3.3.1).
func (l *lookup) wildcard(z *Zone, qname, rel, ce string, w owner) Answer {
	metadata.SetValueFunc(l.ctx, "zone/wildcard", w.name)
	if cn := w.run(dns.TypeCNAME); cn != nil && l.qtype != dns.TypeCNAME {
		if l.online(z) {
			l.addProof(z.proveNoCloser(qname, rel, ce)) // RFC 4035 3.1.3.3
		}
		// RFC 4035 3.1.3.3: the RRSIGs of an expanded wildcard carry the
		// expanded name (the Labels field tells the wildcard); file sends the
		// CNAME's RRSIGs with the wildcard's owner.
		return l.follow(z, z.expand(cn, qname), z.expand(w.sigs(dns.TypeCNAME), qname))
	}
	rrs := z.wildData(w, l.qtype)
	if rrs == nil {
		return Answer{Ns: l.noDataWild(z, qname, rel, ce, w), Result: NoData}
	}
	sg := l.sigs(z)
	answer := z.expand(rrs, qname)
	extra := z.additional(answer, sg)
	ns := z.ns(sg)
	switch {
	case l.stored3(z):
		answer = append(answer, z.expand(w.sigs(l.qtype), qname)...)
		ns = concat(ns, z.proveNoCloser(qname, rel, ce)) // RFC 5155 7.2.6
	case sg:
		answer = append(answer, z.expand(w.sigs(l.qtype), qname)...)
		ns = concat(ns, z.coveringNSEC(rel)) // no closer name matches (RFC 4035 3.1.3.3)
	case l.online(z):
		l.addProof(z.proveNoCloser(qname, rel, ce))
	}
	return Answer{Answer: clip(answer), Ns: ns, Extra: extra, Result: Success}
}

// referral answers below the zone cut o (RFC 1034 4.3.2 step 3b): its NS,
// with DO its DS and their RRSIGs (RFC 4035 3.1.4), or online its DS or the
// proof that it has none, and glue.
func (l *lookup) referral(z *Zone, o owner) Answer {
	ns := o.run(dns.TypeNS)
	extra := z.glue(ns, l.sigs(z))
	switch {
	case l.sigs(z):
		ns = concat(ns, o.withSigs(dns.TypeDS, true))
	case l.online(z):
		ns = concat(ns, z.proveDelegation(o))
	}
	return Answer{Ns: ns, Extra: extra, Result: Delegation}
}

func clip(rrs []dns.RR) []dns.RR { return rrs[:len(rrs):len(rrs)] }

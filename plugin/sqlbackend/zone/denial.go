package zone

import (
	"slices"
	"sync"

	"github.com/miekg/dns"
)

// Denial says how a zone signed online proves that names and types do not exist.
type Denial struct {
	NSEC3     *dns.NSEC3PARAM // nil: NSEC records from the zone's own canonical chain
	ApexTypes []uint16        // types the signer adds at the apex (DNSKEY, CDS, CDNSKEY): they go in the apex's bitmaps
}

// denial is a Denial as one version uses it.
type denial struct {
	mode      *Denial
	apexTypes []uint16 // mode.ApexTypes sorted, each once
	nsec3     bool
	iter      uint16
	salt      string   // hex, "" for none
	param     []dns.RR // the NSEC3PARAM answered at the apex (NSEC3 only)
	// nsecs holds the NSEC records made so far, by owner key: at most one
	// per owner of this version (a patch makes a new denial).
	nsecs sync.Map
}

// WithDenial returns a version of z that shares everything with it but
// proves denial as d says, for a signer above to sign; nil: z's own RRSIG
// and NSEC records (pre-signed data) with DO, as file. z is not changed, and
// Patch carries the mode into the versions made from the new one.
func (z *Zone) WithDenial(d *Denial) *Zone {
	nz := *z
	nz.negSOA[0] = &nz.neg // its own copy, read with nz
	nz.den = newDenial(&nz, d)
	return &nz
}

// Denial returns the mode WithDenial gave the zone, nil if none.
func (z *Zone) Denial() *Denial {
	if z.den == nil {
		return nil
	}
	return z.den.mode
}

func newDenial(z *Zone, d *Denial) *denial {
	if d == nil {
		return nil
	}
	s := &denial{mode: d, apexTypes: slices.Compact(slices.Sorted(slices.Values(d.ApexTypes)))}
	if p := d.NSEC3; p != nil {
		s.nsec3, s.iter, s.salt = true, p.Iterations, p.Salt
		if s.salt == "-" {
			s.salt = ""
		}
		// Algorithm 1 (SHA-1, the only one defined) and flags 0: the
		// NSEC3PARAM's flags are for the signer; no opt-out here.
		s.param = []dns.RR{&dns.NSEC3PARAM{Hdr: z.denialHeader(z.origin, dns.TypeNSEC3PARAM),
			Hash: dns.SHA1, Iterations: s.iter, SaltLength: uint8(len(s.salt) / 2), Salt: s.salt}}
	}
	return s
}

// denialHeader is the header of an NSEC, NSEC3 or NSEC3PARAM record the zone
// makes: its TTL is the negative TTL (RFC 9077 3, RFC 4034 4, RFC 5155 3).
func (z *Zone) denialHeader(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: z.negSOA[0].Header().Ttl}
}

// data returns o's records of type t as answers carry them. Online, the
// zone's own DNSSEC records are not data: the signer makes the RRSIGs and
// DNSKEYs, the zone its NSEC (in its answer too: the NSEC at a name is an
// RRset there) or NSEC3PARAM.
func (z *Zone) data(o owner, t uint16) []dns.RR {
	if z.den == nil || !dnssecType(t) {
		return o.run(t)
	}
	switch {
	case t == dns.TypeNSEC3PARAM && o.key == "":
		return z.den.param
	case t == dns.TypeNSEC && !z.den.nsec3:
		return []dns.RR{z.nsecAt(o)}
	}
	return nil
}

// wildData returns the records of type t of the wildcard w as a name it
// matches gets them. A wildcard's NSEC is not expanded (RFC 4592 4.5), and
// online no DNSSEC type is data.
func (z *Zone) wildData(w owner, t uint16) []dns.RR {
	if z.den != nil && dnssecType(t) {
		return nil
	}
	return w.run(t)
}

// The authority sections of negative answers: the SOA (negative), and with
// DO either the NSECs a pre-signed zone holds, as file sends them, or the
// proofs an online zone makes (RFC 4035 3.1.3, RFC 5155 7.2).

// noData is the authority section for NODATA at the owner o.
func (l *lookup) noData(z *Zone, o owner) []dns.RR {
	switch {
	case l.stored3(z):
		return concat(z.negative(true), z.proveNoType(o))
	case l.sigs(z):
		return concat(z.negative(true), o.withSigs(dns.TypeNSEC, true))
	case l.online(z):
		return concat(z.negative(false), z.proveNoType(o))
	}
	return z.negative(false)
}

// noDataENT is the authority section for NODATA at the empty non-terminal
// qname (key rel).
func (l *lookup) noDataENT(z *Zone, qname, rel string) []dns.RR {
	switch {
	case l.stored3(z):
		return concat(z.negative(true), z.proveENT(qname, rel))
	case l.sigs(z):
		return concat(z.negative(true), z.coveringNSEC(rel))
	case l.online(z):
		return concat(z.negative(false), z.proveENT(qname, rel))
	}
	return z.negative(false)
}

// noDataWild is the authority section for NODATA at qname (key rel), which
// the wildcard w at the closest encloser ce matches: the NSEC that covers
// qname and the one at the wildcard (RFC 4035 3.1.3.4); file sends the
// wildcard's only.
func (l *lookup) noDataWild(z *Zone, qname, rel, ce string, w owner) []dns.RR {
	switch {
	case l.stored3(z):
		return concat(z.negative(true), z.proveWildNoType(qname, rel, ce, &w))
	case l.sigs(z):
		return appendNew(concat(z.negative(true), z.coveringNSEC(rel)), w.withSigs(dns.TypeNSEC, true))
	case l.online(z):
		return concat(z.negative(false), z.proveWildNoType(qname, rel, ce, &w))
	}
	return z.negative(false)
}

// noDataWildENT is the authority section for NODATA at qname (key rel) whose
// wildcard at the closest encloser ce is an empty non-terminal (RFC 4592
// 3.3.3): the NSEC that covers qname and the one that covers the wildcard
// (whose next name, below it, shows that it exists without records).
func (l *lookup) noDataWildENT(z *Zone, qname, rel, ce string) []dns.RR {
	switch {
	case l.stored3(z):
		return concat(z.negative(true), z.proveWildNoType(qname, rel, ce, nil))
	case l.sigs(z):
		return appendNew(concat(z.negative(true), z.coveringNSEC(rel)), z.coveringNSEC(wildcardKey(ce)))
	case l.online(z):
		return concat(z.negative(false), z.proveWildNoType(qname, rel, ce, nil))
	}
	return z.negative(false)
}

// nameError is the authority section for NXDOMAIN at qname (key rel) with
// the closest encloser ce.
func (l *lookup) nameError(z *Zone, qname, rel, ce string) []dns.RR {
	switch {
	case l.stored3(z):
		return concat(z.negative(true), z.proveName(qname, rel, ce))
	case l.sigs(z):
		// RFC 4035 3.1.3.2: an NSEC that covers qname and one that covers the
		// wildcard at the closest encloser. file takes the deepest existing
		// name for the closest encloser, skipping empty non-terminals.
		return appendNew(concat(z.negative(true), z.coveringNSEC(rel)), z.coveringNSEC(wildcardKey(ce)))
	case l.online(z):
		return concat(z.negative(false), z.proveName(qname, rel, ce))
	}
	return z.negative(false)
}

// addProof keeps the proof that a wildcard matched, for finish.
func (l *lookup) addProof(rrs []dns.RR) { l.proof = appendNew(l.proof, rrs) }

// appendNew appends to out the records of rrs unless out holds the first of
// them already (the same NSEC or NSEC3, with its RRSIGs, proving two things):
// by identity for records a zone holds, by owner for those made.
func appendNew(out, rrs []dns.RR) []dns.RR {
	if len(rrs) == 0 {
		return out
	}
	for _, rr := range out {
		if rr == rrs[0] || rr.Header().Rrtype == rrs[0].Header().Rrtype && rr.Header().Name == rrs[0].Header().Name {
			return out
		}
	}
	return concat(out, rrs)
}

// The proofs an online zone makes, unsigned: NSEC (nsec.go) or NSEC3
// (nsec3.go) as its Denial says; with NSEC3 also those of a pre-signed zone
// that holds an NSEC3 chain, from its records (presigned3.go).

// proveNoType proves that the owner o has no RRset of the type asked (RFC
// 4035 3.1.3.1, RFC 5155 7.2.3, and at a cut 7.2.4): the NSEC or NSEC3 at o.
func (z *Zone) proveNoType(o owner) []dns.RR {
	if z.nsec3Denial() {
		return z.nsec3Match(o.name(), &o)
	}
	return []dns.RR{z.nsecAt(o)}
}

// proveENT proves that the empty non-terminal qname (key rel) has no records
// (RFC 4035 3.1.3.1, RFC 5155 7.2.3): the NSEC before it, whose next name is
// below it, or the NSEC3 matching it with an empty bitmap.
func (z *Zone) proveENT(qname, rel string) []dns.RR {
	if z.nsec3Denial() {
		return z.nsec3Match(qname, nil)
	}
	return []dns.RR{z.nsecAt(z.chainPrev(rel))}
}

// proveName proves that qname (key rel) does not exist, nor the wildcard at
// its closest encloser ce (RFC 4035 3.1.3.2, RFC 5155 7.2.2).
func (z *Zone) proveName(qname, rel, ce string) []dns.RR {
	if z.nsec3Denial() {
		ceName, closer := z.encloserNames(qname, ce)
		out := appendNew(z.nsec3Match(ceName, z.ownerAt(ce)), z.nsec3Cover(closer))
		return appendNew(out, z.nsec3Cover(wildcardName(ceName)))
	}
	out := []dns.RR{z.nsecAt(z.chainPrev(rel))}
	return appendNew(out, []dns.RR{z.nsecAt(z.chainPrev(wildcardKey(ce)))})
}

// proveNoCloser proves that no name closer than the wildcard's matches
// qname, which a wildcard at ce answered (RFC 4035 3.1.3.3, RFC 5155 7.2.6).
func (z *Zone) proveNoCloser(qname, rel, ce string) []dns.RR {
	if z.nsec3Denial() {
		_, closer := z.encloserNames(qname, ce)
		return z.nsec3Cover(closer)
	}
	return []dns.RR{z.nsecAt(z.chainPrev(rel))}
}

// proveWildNoType proves that qname does not exist and that the wildcard at
// its closest encloser ce, w (nil: an empty non-terminal), has no RRset of
// the type asked (RFC 4035 3.1.3.4, RFC 5155 7.2.5).
func (z *Zone) proveWildNoType(qname, rel, ce string, w *owner) []dns.RR {
	if z.nsec3Denial() {
		ceName, closer := z.encloserNames(qname, ce)
		out := appendNew(z.nsec3Match(ceName, z.ownerAt(ce)), z.nsec3Cover(closer))
		return appendNew(out, z.nsec3Match(wildcardName(ceName), w))
	}
	out := []dns.RR{z.nsecAt(z.chainPrev(rel))}
	if w != nil {
		return appendNew(out, []dns.RR{z.nsecAt(*w)})
	}
	return appendNew(out, []dns.RR{z.nsecAt(z.chainPrev(wildcardKey(ce)))})
}

// proveDelegation is what a referral to the cut o carries: its DS, or the
// proof that it has none, the NSEC or NSEC3 at the cut (RFC 4035 3.1.4.1,
// RFC 5155 7.2.7; no opt-out).
func (z *Zone) proveDelegation(o owner) []dns.RR {
	if ds := o.run(dns.TypeDS); ds != nil {
		return ds
	}
	return z.proveNoType(o)
}

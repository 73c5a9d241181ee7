package storeshape

import (
	"strings"

	"github.com/miekg/dns"
)

// zoneView is what answerFrom needs of a zone held by a store.
type zoneView interface {
	apex() string                 // the origin
	ownerAt(k string) (int, bool) // the owner with key k (relKey)
	// records makes the records of type t at owner o, named owner.
	records(o int, t uint16, owner string) []dns.RR
}

// answerFrom fills m for qname/qtype from z as the engine answers the
// benchmark's zones: the records asked with the apex NS in the authority
// section and, for NS and MX in the answer, the targets' addresses in the
// zone (no glue for the authority's NS); a wildcard at the closest encloser
// when qname does not exist; the SOA, with the negative TTL, for NODATA and
// NXDOMAIN. No CNAME, cut or DNAME: the zones hold none.
func answerFrom(z zoneView, qname string, qtype uint16, m *dns.Msg) {
	origin := z.apex()
	o, ok := matchOwner(z, relKey(qname, origin))
	if !ok {
		m.Rcode = dns.RcodeNameError
		m.Ns = negativeTTL(z.records(0, dns.TypeSOA, origin))
		return
	}
	rrs := z.records(o, qtype, qname)
	if len(rrs) == 0 {
		m.Ns = negativeTTL(z.records(0, dns.TypeSOA, origin))
		return
	}
	m.Answer = rrs
	m.Ns = z.records(0, dns.TypeNS, origin)
	for _, rr := range m.Answer {
		target, ok := additionalTarget(rr)
		if !ok || !strings.HasSuffix(target, "."+origin) {
			continue
		}
		if t, ok := z.ownerAt(relKey(target, origin)); ok {
			m.Extra = append(m.Extra, z.records(t, dns.TypeA, target)...)
			m.Extra = append(m.Extra, z.records(t, dns.TypeAAAA, target)...)
		}
	}
}

// matchOwner returns the owner that answers for key: itself, or the
// wildcard at its closest encloser.
func matchOwner(z zoneView, key string) (int, bool) {
	if o, ok := z.ownerAt(key); ok {
		return o, true
	}
	ce := parentKey(key)
	for ; ce != ""; ce = parentKey(ce) {
		if _, ok := z.ownerAt(ce); ok {
			break
		}
	}
	wild := "*"
	if ce != "" {
		wild += "." + ce
	}
	return z.ownerAt(wild)
}

// additionalTarget is the name whose addresses go in the additional section
// when rr is answered.
func additionalTarget(rr dns.RR) (string, bool) {
	switch r := rr.(type) {
	case *dns.NS:
		return r.Ns, true
	case *dns.MX:
		return r.Mx, true
	}
	return "", false
}

// negativeTTL gives the SOA in rrs (made for this answer) the TTL of
// negative answers, min(TTL, MINIMUM), as the engine does (RFC 2308 5).
func negativeTTL(rrs []dns.RR) []dns.RR {
	soa := rrs[0].(*dns.SOA)
	soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	return rrs
}

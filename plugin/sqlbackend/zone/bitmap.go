package zone

import (
	"slices"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/miekg/dns"
)

// dnssecType reports whether t is a type an online signed zone makes rather
// than holds: rows of these (left from pre-signed data or a key table) are
// neither answered nor listed in bitmaps, as the signer makes RRSIGs and
// DNSKEYs and the zone its NSEC, NSEC3 and NSEC3PARAM.
func dnssecType(t uint16) bool {
	switch t {
	case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY:
		return true
	}
	return false
}

// bitmap returns the types at the owner o for its NSEC or NSEC3 (RFC 4034
// 4.1.2, RFC 5155 3.2.1), sorted.
//
// At a cut: NS, its DS if any, and RRSIG where the parent signs something
// there (the DS; with NSEC the NSEC too); the rest of the cut's data is the
// child's (RFC 4035 2.3). Elsewhere the types held, the private types'
// answers (a name with ALIAS or URL answers A and AAAA through the plugins
// above, one with POOL CNAME: a bitmap without them would deny what they
// answer), RRSIG (with NSEC3 when there is a type to sign), and at the apex
// the signer's types (Denial.ApexTypes) and NSEC3PARAM.
func (z *Zone) bitmap(o owner, nsec3 bool) []uint16 {
	var types []uint16
	if isCut(o) {
		types = append(types, dns.TypeNS)
		if o.run(dns.TypeDS) != nil {
			types = append(types, dns.TypeDS, dns.TypeRRSIG)
		}
	} else {
		types = make([]uint16, 0, len(o.rrs)+4)
		for _, rr := range o.rrs {
			switch t := rr.Header().Rrtype; {
			case dnssecType(t):
			case t == rrtypes.TypeALIAS || t == rrtypes.TypeURL:
				types = append(types, t, dns.TypeA, dns.TypeAAAA)
			case t == rrtypes.TypePOOL:
				types = append(types, t, dns.TypeCNAME)
			default:
				types = append(types, t)
			}
		}
		if o.key == "" && z.den != nil { // a pre-signed zone's proofs are stored, not made
			types = append(types, z.den.apexTypes...)
			if nsec3 {
				types = append(types, dns.TypeNSEC3PARAM)
			}
		}
		if len(types) > 0 {
			types = append(types, dns.TypeRRSIG)
		}
	}
	if !nsec3 {
		types = append(types, dns.TypeRRSIG, dns.TypeNSEC) // the NSEC is signed, at a cut too
	}
	slices.Sort(types)
	return slices.Compact(types)
}

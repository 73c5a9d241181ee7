package zone

import "github.com/miekg/dns"

// A pre-signed zone holding an NSEC3 chain (an NSEC3PARAM at its apex and no
// NSEC there, as dnssec-signzone -3 or ldns-signzone -n sign it) proves
// denial with its own NSEC3 records and their RRSIGs: the proofs an online
// NSEC3 zone makes (RFC 5155 7.2, denial.go), each NSEC3 found by hash in
// the zone instead of made. The NSEC3 records are owners of the zone like
// any other (their owner names sort among the apex's children), so the one
// covering a hash is the last owner at or before it holding an NSEC3.

// storedParam returns the NSEC3PARAM of a pre-signed zone that proves denial
// with NSEC3, nil for any other zone.
func (z *Zone) storedParam() *dns.NSEC3PARAM {
	if z.den != nil || z.apex.run(dns.TypeNSEC) != nil {
		return nil
	}
	if p := z.apex.run(dns.TypeNSEC3PARAM); p != nil {
		return p[0].(*dns.NSEC3PARAM)
	}
	return nil
}

// stored3 reports whether answers from z carry its stored NSEC3 proofs.
func (l *lookup) stored3(z *Zone) bool { return l.sigs(z) && z.storedParam() != nil }

// nsec3Denial reports whether the proofs asked of z are NSEC3: online as its
// Denial says, or stored (asked only when stored3).
func (z *Zone) nsec3Denial() bool { return z.den == nil || z.den.nsec3 }

// nsec3Params returns the iterations and salt (hex, "" for none) names are
// hashed with.
func (z *Zone) nsec3Params() (uint16, string) {
	if z.den != nil {
		return z.den.iter, z.den.salt
	}
	p := z.storedParam()
	if p.Salt == "-" {
		return p.Iterations, ""
	}
	return p.Iterations, p.Salt
}

// storedMatch returns the NSEC3 of hash h and its RRSIGs, none if the zone
// has none.
func (z *Zone) storedMatch(h []byte) []dns.RR {
	o, ok := z.get(z.hashedName(h))
	if !ok {
		return nil
	}
	return o.withSigs(dns.TypeNSEC3, true)
}

// storedCover returns the NSEC3 covering hash h, and its RRSIGs: the last
// at or before h in canonical order (hashes in Base32hex sort as their
// values), else the last of the chain, which covers the hashes before the
// first (RFC 5155 3.1.7).
func (z *Zone) storedCover(h []byte) []dns.RR {
	rel, _, _ := z.relate(z.hashedName(h))
	var out []dns.RR
	find := func(o owner) bool {
		out = o.withSigs(dns.TypeNSEC3, true)
		return out == nil
	}
	z.set.descend(rel, find)
	if out == nil {
		z.set.descend(z.set.last().key, find)
	}
	return out
}

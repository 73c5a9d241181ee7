package flatten

import (
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

// owner is what one name holds that matters to the conversion.
type owner struct {
	name    string // as first written in the zone
	special []dns.RR
	has     map[uint16]bool // the standard types at the name
}

// group collects the names that hold ALIAS, URL or POOL records, in the order they first
// appear, with the standard types each of them holds.
func group(rrs []dns.RR) []*owner {
	byName := map[string]*owner{}
	var order []*owner
	for _, rr := range rrs {
		k := dns.CanonicalName(rr.Header().Name)
		o := byName[k]
		if o == nil {
			o = &owner{name: rr.Header().Name, has: map[uint16]bool{}}
			byName[k] = o
		}
		if !isSpecial(rr) {
			o.has[rr.Header().Rrtype] = true
			continue
		}
		if len(o.special) == 0 {
			order = append(order, o)
		}
		o.special = append(o.special, rr)
	}
	return order
}

// isSpecial reports whether rr is one of hostdns's types that flatten converts. A record
// of such a type that is not a *dns.PrivateRR (an RFC 3597 one) is special too: it must
// not go out raw.
func isSpecial(rr dns.RR) bool { return rrtypes.IsSpecial(rr.Header().Rrtype) }

// holds reports whether o holds a record of type t.
func (o *owner) holds(t uint16) bool {
	for _, rr := range o.special {
		if rr.Header().Rrtype == t {
			return true
		}
	}
	return false
}

// minTTL is the smallest TTL of o's records of the given types.
func (o *owner) minTTL(types ...uint16) uint32 {
	ttl := ^uint32(0)
	for _, rr := range o.special {
		for _, t := range types {
			if rr.Header().Rrtype == t {
				ttl = min(ttl, rr.Header().Ttl)
			}
		}
	}
	return ttl
}

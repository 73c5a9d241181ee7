package ratelimit

import (
	"net/netip"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// key is what a limit counts by: a rule and one client, subnet or name. It is a comparable
// value, so looking a key up allocates nothing.
type key struct {
	rule   string
	prefix netip.Prefix // the client (/32, /128) or its subnet (/24, /56); zero for PerName
	name   string       // PerName only
}

// The subnets PerSubnet counts by: what one customer usually holds.
const (
	subnetBits4 = 24
	subnetBits6 = 56
)

// keyFor returns the key q counts under for rule r.
func keyFor(r *rules.Rule, q rules.Query) key {
	k := key{rule: r.ID}
	addr := q.Addr.Unmap()
	switch r.Limit.Per {
	case rules.PerName:
		k.name = q.Name
	case rules.PerSubnet:
		bits := subnetBits6
		if addr.Is4() {
			bits = subnetBits4
		}
		k.prefix, _ = addr.Prefix(bits) // an invalid address gives the zero prefix: one shared key
	default:
		k.prefix = netip.PrefixFrom(addr, addr.BitLen())
	}
	return k
}

// String is the key's part of a Redis key: "rule:192.0.2.1/32" or "rule:example.com.".
func (k key) String() string {
	if k.name != "" || !k.prefix.IsValid() {
		return k.rule + ":" + k.name
	}
	return k.rule + ":" + k.prefix.String()
}

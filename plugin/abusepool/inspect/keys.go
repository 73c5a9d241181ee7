package inspect

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// lastLabels is name cut to its last n labels ("a.b.t-ipnet.de." and 2: "t-ipnet.de."); a
// name with fewer labels is returned whole. Escaped dots ("a\.b") do not end a label. It
// cuts, never copies, so it does not allocate.
func lastLabels(name string, n int) string {
	if n <= 0 {
		return name
	}
	i, _ := dns.PrevLabel(name, n)
	return name[i:]
}

// subnet24 and subnet56 are the client's /24 (IPv4) and /56 (IPv6), the granularity a block
// of addresses one party controls usually has.
func subnet24(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, 24).Masked() }
func subnet56(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, 56).Masked() }

// rcodeKey is an rcode's name, "none" when no answer was sent.
func rcodeKey(rcode int) string {
	if rcode == NoAnswer {
		return "none"
	}
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(rcode)
}

// qtypeKey is a query type's mnemonic, "TYPEnnn" (RFC 3597) for types without one.
func qtypeKey(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// comparePrefix orders prefixes by address, then by length.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

func addrKey(a netip.Addr) string     { return a.String() }
func prefixKey(p netip.Prefix) string { return p.String() }
func stringKey(s string) string       { return s }

// ownString copies a key the summary keeps: a grouped name is a slice of the whole query
// name, which would otherwise stay in memory with it.
func ownString(s string) string { return strings.Clone(s) }

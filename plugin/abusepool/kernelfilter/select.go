package kernelfilter

import (
	"net/netip"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// DropPrefixes are the CIDRs of the drop rules in rs (in precedence order) that match on the
// client's address only, live at now. A rule with a suffix or a query type needs the query
// parsed, and stays in the handler. In the kernel such a drop comes before every rule, even
// one of higher precedence that would have answered some of those queries (README.md).
func DropPrefixes(rs []rules.Rule, now time.Time) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range rs {
		if r.Action != rules.Drop || r.Match.CIDR == "" || r.Match.Suffix != "" || r.Match.QType != "" || r.Expired(now) {
			continue
		}
		if p, ok := parseCIDR(r.Match.CIDR); ok {
			out = append(out, p)
		}
	}
	return out
}

// parseCIDR reads a rule's CIDR: a prefix or a bare address. An IPv4-mapped IPv6 prefix
// never matches in the handler (it unmaps the client's address), so it is left out here too.
func parseCIDR(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() || p.Addr().Zone() != "" {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

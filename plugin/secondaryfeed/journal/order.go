package journal

import (
	"cmp"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Compare orders records canonically by owner name (RFC 4034 6.1: label by label from
// the right, case-folded), then type, then the rest of the record's text (TTL and data),
// which makes the order total: two records compare equal only when identical.
func Compare(a, b dns.RR) int {
	ha, hb := a.Header(), b.Header()
	if c := compareNames(ha.Name, hb.Name); c != 0 {
		return c
	}
	if c := cmp.Compare(ha.Rrtype, hb.Rrtype); c != 0 {
		return c
	}
	return strings.Compare(a.String(), b.String())
}

// compareNames compares two domain names in canonical order.
func compareNames(a, b string) int {
	la := dns.SplitDomainName(strings.ToLower(a))
	lb := dns.SplitDomainName(strings.ToLower(b))
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := strings.Compare(la[i], lb[j]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(la), len(lb))
}

// normalize splits rrs into its one SOA and the other records, their owner names
// lower-cased, sorted by Compare without duplicates. rrs is not modified.
func normalize(rrs []dns.RR) (*dns.SOA, []dns.RR, error) {
	var soa *dns.SOA
	rest := make([]dns.RR, 0, len(rrs))
	for _, rr := range rrs {
		rr = dns.Copy(rr)
		rr.Header().Name = dns.CanonicalName(rr.Header().Name)
		if s, ok := rr.(*dns.SOA); ok {
			if soa != nil {
				return nil, nil, ErrNoSOA
			}
			soa = s
			continue
		}
		rest = append(rest, rr)
	}
	if soa == nil {
		return nil, nil, ErrNoSOA
	}
	slices.SortFunc(rest, Compare)
	rest = slices.CompactFunc(rest, func(a, b dns.RR) bool { return Compare(a, b) == 0 })
	return soa, rest, nil
}

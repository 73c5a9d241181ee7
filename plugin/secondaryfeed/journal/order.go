package journal

import (
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Compare orders records canonically by owner name (RFC 4034 6.1: label by label from
// the right, case-folded), then type, then the rest of the record's text (TTL and data),
// which makes the order total: two records compare equal only when identical.
func Compare(a, b dns.RR) int { return strings.Compare(sortKey(a), sortKey(b)) }

// sortKey is a string whose byte order is Compare's order: the owner's labels from the
// right, lower-cased, each ended by a 0 byte (which no label in presentation format
// holds, so a name sorts before the names below it), another 0, the type, the text.
// Computed once per record, it keeps sorting and diffing a 100,000-record zone cheap.
func sortKey(rr dns.RR) string {
	h := rr.Header()
	labels := dns.SplitDomainName(strings.ToLower(h.Name))
	text := rr.String()
	var b strings.Builder
	b.Grow(len(h.Name) + len(text) + 4)
	for i := len(labels) - 1; i >= 0; i-- {
		b.WriteString(labels[i])
		b.WriteByte(0)
	}
	b.WriteByte(0)
	b.WriteByte(byte(h.Rrtype >> 8))
	b.WriteByte(byte(h.Rrtype))
	b.WriteString(text)
	return b.String()
}

// keyed is a record with its sort key.
type keyed struct {
	key string
	rr  dns.RR
}

// normalize splits rrs into its one SOA and the other records, their owner names
// lower-cased, sorted by Compare without duplicates, with their sort keys. rrs is not
// modified: a record whose name needs lower-casing is copied, the others are shared
// (sources hand out records they never change).
func normalize(rrs []dns.RR) (*dns.SOA, []keyed, error) {
	var soa *dns.SOA
	rest := make([]keyed, 0, len(rrs))
	for _, rr := range rrs {
		if name := dns.CanonicalName(rr.Header().Name); name != rr.Header().Name {
			rr = dns.Copy(rr)
			rr.Header().Name = name
		}
		if s, ok := rr.(*dns.SOA); ok {
			if soa != nil {
				return nil, nil, ErrNoSOA
			}
			soa = dns.Copy(s).(*dns.SOA)
			continue
		}
		rest = append(rest, keyed{sortKey(rr), rr})
	}
	if soa == nil {
		return nil, nil, ErrNoSOA
	}
	slices.SortFunc(rest, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	rest = slices.CompactFunc(rest, func(a, b keyed) bool { return a.key == b.key })
	return soa, rest, nil
}

// keysOf returns the sort keys of rrs, for a version decoded from its text.
func keysOf(rrs []dns.RR) []string {
	keys := make([]string, len(rrs))
	for i, rr := range rrs {
		keys[i] = sortKey(rr)
	}
	return keys
}

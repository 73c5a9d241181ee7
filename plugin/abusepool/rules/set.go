package rules

import (
	"net/netip"
)

// Set is a list of rules indexed for matching. The first rule in the list that matches a
// query wins. A Set is immutable once built and safe for concurrent Match.
//
// Each rule is indexed by one of its fields, the most selective it has (suffix, then CIDR,
// then query type): a query can only match a rule when that field matches, so looking the
// query up under each field finds every candidate, which is then checked in full. Matching
// costs one map lookup per label of the name, one per distinct prefix length, and one for
// the type, however many rules there are.
type Set struct {
	rules    []Rule
	compiled []compiled

	bySuffix map[string][]int32       // suffix -> rule indexes, ascending
	byV4     map[netip.Prefix][]int32 // IPv4 prefix -> rule indexes, ascending
	byV6     map[netip.Prefix][]int32 // IPv6 prefix -> rule indexes, ascending
	v4Bits   []int                    // the distinct IPv4 prefix lengths present
	v6Bits   []int                    // the distinct IPv6 prefix lengths present
	v4Top    [256]bool                // first octets some IPv4 prefix covers
	v6Top    [1 << 16 / 64]uint64     // first 16 bits some IPv6 prefix covers, a bit each
	byQType  map[uint16][]int32       // type -> rule indexes, ascending
}

// compiled is a rule's Match parsed for fast checking.
type compiled struct {
	suffix    string
	prefix    netip.Prefix
	hasPrefix bool
	qtype     uint16
	hasQType  bool
}

// NewSet indexes rs; their order is their precedence (first wins). The rules must be
// valid (see Validate): a rule whose Match does not parse never matches.
func NewSet(rs []Rule) *Set {
	s := &Set{
		rules:    append([]Rule(nil), rs...),
		compiled: make([]compiled, len(rs)),
		bySuffix: map[string][]int32{},
		byV4:     map[netip.Prefix][]int32{},
		byV6:     map[netip.Prefix][]int32{},
		byQType:  map[uint16][]int32{},
	}
	for i := range s.rules {
		c, ok := compile(s.rules[i].Match)
		if !ok {
			continue
		}
		s.compiled[i] = c
		s.index(int32(i), c)
	}
	return s
}

// compile parses m; ok is false when it does not parse or is empty.
func compile(m Match) (c compiled, ok bool) {
	c.suffix = m.Suffix
	if m.CIDR != "" {
		p, err := ParsePrefix(m.CIDR)
		if err != nil {
			return c, false
		}
		c.prefix, c.hasPrefix = p, true
	}
	if m.QType != "" {
		t, err := ParseQType(m.QType)
		if err != nil {
			return c, false
		}
		c.qtype, c.hasQType = t, true
	}
	return c, c.suffix != "" || c.hasPrefix || c.hasQType
}

// index files rule i under its most selective field.
func (s *Set) index(i int32, c compiled) {
	switch {
	case c.suffix != "":
		s.bySuffix[c.suffix] = append(s.bySuffix[c.suffix], i)
	case c.hasPrefix && c.prefix.Addr().Is4():
		s.byV4[c.prefix] = append(s.byV4[c.prefix], i)
		s.v4Bits = addBits(s.v4Bits, c.prefix.Bits())
		s.coverV4(c.prefix)
	case c.hasPrefix:
		s.byV6[c.prefix] = append(s.byV6[c.prefix], i)
		s.v6Bits = addBits(s.v6Bits, c.prefix.Bits())
		s.coverV6(c.prefix)
	default:
		s.byQType[c.qtype] = append(s.byQType[c.qtype], i)
	}
}

// coverV4 marks the first octets p covers: an address whose first octet is not marked is in
// no IPv4 prefix, found with one table read instead of a lookup per prefix length.
func (s *Set) coverV4(p netip.Prefix) {
	first, span := topRange(uint32(p.Addr().As4()[0]), p.Bits(), 8)
	for o := first; o < first+span; o++ {
		s.v4Top[o] = true
	}
}

// coverV6 is coverV4 for the first 16 bits of IPv6 prefixes.
func (s *Set) coverV6(p netip.Prefix) {
	a := p.Addr().As16()
	first, span := topRange(uint32(a[0])<<8|uint32(a[1]), p.Bits(), 16)
	for v := first; v < first+span; v++ {
		s.v6Top[v/64] |= 1 << (v % 64)
	}
}

// topRange is the range of top-bit values (the address's first width bits, top) a prefix of
// bits length covers: one value, or 2^(width-bits) of them for a shorter prefix.
func topRange(top uint32, bits, width int) (first, span uint32) {
	if bits >= width {
		return top, 1
	}
	span = 1 << (width - bits)
	return top &^ (span - 1), span
}

// maybeCovered reports whether some prefix of the set could hold addr (unmapped).
func (s *Set) maybeCovered(addr netip.Addr) bool {
	if addr.Is4() {
		return s.v4Top[addr.As4()[0]]
	}
	a := addr.As16()
	v := uint32(a[0])<<8 | uint32(a[1])
	return s.v6Top[v/64]&(1<<(v%64)) != 0
}

func addBits(bits []int, b int) []int {
	for _, x := range bits {
		if x == b {
			return bits
		}
	}
	return append(bits, b)
}

// Len is the number of rules in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Match returns the first rule matching q, or nil. It does not allocate. The returned rule
// belongs to the Set: do not change it.
func (s *Set) Match(q Query) *Rule {
	if s == nil || len(s.rules) == 0 {
		return nil
	}
	best := int32(len(s.rules))
	best = s.matchSuffixes(q, best)
	best = s.matchPrefixes(q, best)
	best = s.first(s.byQType[q.QType], q, best)
	if best == int32(len(s.rules)) {
		return nil
	}
	return &s.rules[best]
}

// matchSuffixes looks q's name up at each label boundary: "a.b.example." then
// "b.example.", "example." and ".".
func (s *Set) matchSuffixes(q Query, best int32) int32 {
	if len(s.bySuffix) == 0 {
		return best
	}
	name := q.Name
	for i := 0; i < len(name); i++ {
		if i == 0 || name[i-1] == '.' {
			best = s.first(s.bySuffix[name[i:]], q, best)
		}
	}
	if name != "." {
		best = s.first(s.bySuffix["."], q, best)
	}
	return best
}

// matchPrefixes looks q's address up once per prefix length present.
func (s *Set) matchPrefixes(q Query, best int32) int32 {
	if !q.Addr.IsValid() {
		return best
	}
	addr := q.Addr.Unmap()
	if !s.maybeCovered(addr) {
		return best
	}
	bits, byPrefix := s.v6Bits, s.byV6
	if addr.Is4() {
		bits, byPrefix = s.v4Bits, s.byV4
	}
	for _, b := range bits {
		p, err := addr.Prefix(b)
		if err != nil {
			continue
		}
		best = s.first(byPrefix[p], q, best)
	}
	return best
}

// first returns the lowest index among candidates (ascending) that matches q in full, if
// lower than best; else best.
func (s *Set) first(candidates []int32, q Query, best int32) int32 {
	for _, i := range candidates {
		if i >= best {
			break
		}
		if s.compiled[i].matches(q) {
			return i
		}
	}
	return best
}

// matches checks every field the rule has.
func (c *compiled) matches(q Query) bool {
	if c.hasQType && c.qtype != q.QType {
		return false
	}
	if c.hasPrefix && !(q.Addr.IsValid() && c.prefix.Contains(q.Addr.Unmap())) {
		return false
	}
	return c.suffix == "" || hasSuffix(q.Name, c.suffix)
}

// hasSuffix reports whether name is suffix or below it, on a label boundary.
func hasSuffix(name, suffix string) bool {
	if suffix == "." {
		return true
	}
	if len(name) < len(suffix) || name[len(name)-len(suffix):] != suffix {
		return false
	}
	return len(name) == len(suffix) || name[len(name)-len(suffix)-1] == '.'
}

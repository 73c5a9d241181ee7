package validate

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// zone is the records of a zone by name and type, in the order they first appear.
type zone struct {
	names map[string]*node // by lower-case name
	order []string
}

type node struct {
	written string // the name as first written
	sets    map[uint16][]dns.RR
	types   []uint16 // in the order they first appear
}

func index(rrs []dns.RR) *zone {
	z := &zone{names: map[string]*node{}}
	for _, rr := range rrs {
		h := rr.Header()
		k := dns.CanonicalName(h.Name)
		n := z.names[k]
		if n == nil {
			n = &node{written: h.Name, sets: map[uint16][]dns.RR{}}
			z.names[k] = n
			z.order = append(z.order, k)
		}
		if len(n.sets[h.Rrtype]) == 0 {
			n.types = append(n.types, h.Rrtype)
		}
		n.sets[h.Rrtype] = append(n.sets[h.Rrtype], rr)
	}
	return z
}

// rdata is the record without its TTL, as records are compared: two records that differ
// only in TTL, or in the case of a name, are duplicates (RFC 2181, 5; RFC 4343). The rdata
// of the types whose only text is names is lower-cased; other rdata (TXT) keeps its case.
func rdata(rr dns.RR) string {
	h := *rr.Header()
	rest := rr.String()[len(h.String()):]
	if nameOnly[h.Rrtype] {
		rest = strings.ToLower(rest)
	}
	return fmt.Sprintf("%s %d %d %s", dns.CanonicalName(h.Name), h.Class, h.Rrtype, rest)
}

// nameOnly are the types whose rdata, in text, is names and numbers.
var nameOnly = map[uint16]bool{
	dns.TypeNS: true, dns.TypeCNAME: true, dns.TypeDNAME: true, dns.TypePTR: true,
	dns.TypeMX: true, dns.TypeSRV: true, dns.TypeSOA: true, dns.TypeA: true, dns.TypeAAAA: true,
}

// allSame reports whether rrs are the same record (a duplicate, reported as such).
func allSame(rrs []dns.RR) bool {
	for _, rr := range rrs[1:] {
		if rdata(rr) != rdata(rrs[0]) {
			return false
		}
	}
	return true
}

// typeString names t as zone files do: A, ALIAS, TYPE65000.
func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

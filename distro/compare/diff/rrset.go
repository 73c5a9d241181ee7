package diff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// rrset is the records of one owner and type in a section, as normalized strings.
type rrset struct {
	key   string   // "owner TYPE", owner in lower case
	rdata []string // sorted rdata, normalized under the options
	ttls  []uint32 // TTL per record, in rdata's order
	order []string // rdata in the order the server sent them
}

// compareSection compares two sections RRset by RRset.
func compareSection(section string, a, b []dns.RR, o Options) []Difference {
	sa, sb := rrsets(a, o), rrsets(b, o)
	var ds []Difference
	for _, key := range sortedKeys(sa, sb) {
		x, inA := sa[key]
		y, inB := sb[key]
		switch {
		case !inB:
			ds = append(ds, Difference{Kind: Missing, Section: section, RRset: key, A: x.String(), B: "none"})
		case !inA:
			ds = append(ds, Difference{Kind: Extra, Section: section, RRset: key, A: "none", B: y.String()})
		case !slices.Equal(x.rdata, y.rdata):
			ds = append(ds, Difference{Kind: Data, Section: section, RRset: key, A: x.String(), B: y.String()})
		case !o.IgnoreTTL && !slices.Equal(x.ttls, y.ttls):
			ds = append(ds, Difference{Kind: TTL, Section: section, RRset: key, A: x.ttlString(), B: y.ttlString()})
		case !o.IgnoreOrder && !slices.Equal(x.order, y.order):
			ds = append(ds, Difference{Kind: Order, Section: section, RRset: key, A: strings.Join(x.order, ", "), B: strings.Join(y.order, ", ")})
		}
	}
	return ds
}

func rrsets(rrs []dns.RR, o Options) map[string]*rrset {
	sets := map[string]*rrset{}
	type rec struct {
		rdata string
		ttl   uint32
	}
	recs := map[string][]rec{}
	for _, rr := range rrs {
		h := rr.Header()
		key := strings.ToLower(h.Name) + " " + typeName(h.Rrtype)
		if h.Rrtype == dns.TypeRRSIG {
			// RRSIGs form one set per type covered: each signs its own RRset.
			key += " " + typeName(rr.(*dns.RRSIG).TypeCovered)
		}
		s, ok := sets[key]
		if !ok {
			s = &rrset{key: key}
			sets[key] = s
		}
		r := rdata(rr, o)
		s.order = append(s.order, r)
		recs[key] = append(recs[key], rec{r, h.Ttl})
	}
	for key, s := range sets {
		rs := recs[key]
		slices.SortFunc(rs, func(x, y rec) int { return strings.Compare(x.rdata, y.rdata) })
		for _, r := range rs {
			s.rdata = append(s.rdata, r.rdata)
			s.ttls = append(s.ttls, r.ttl)
		}
	}
	return sets
}

func sortedKeys(a, b map[string]*rrset) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// textTypes carry free text in their rdata, whose case is data, not a name's.
var textTypes = map[uint16]bool{dns.TypeTXT: true, dns.TypeSPF: true, dns.TypeHINFO: true,
	dns.TypeCAA: true, dns.TypeNAPTR: true, dns.TypeURI: true}

// rdata writes a record's data under the options, without owner, class and TTL.
func rdata(rr dns.RR, o Options) string {
	if sig, ok := rr.(*dns.RRSIG); ok && o.IgnoreRRSIGTimes {
		c := *sig
		c.Inception, c.Expiration, c.Signature = 0, 0, ""
		rr = &c
	}
	s := strings.TrimPrefix(rr.String(), rr.Header().String())
	if o.IgnoreCase && !textTypes[rr.Header().Rrtype] {
		s = strings.ToLower(s)
	}
	return s
}

func (s *rrset) String() string {
	return strings.Join(s.rdata, ", ")
}

func (s *rrset) ttlString() string {
	var b strings.Builder
	for i, r := range s.rdata {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("ttl ")
		b.WriteString(strconv.Itoa(int(s.ttls[i])))
		b.WriteString(" ")
		b.WriteString(r)
	}
	return b.String()
}

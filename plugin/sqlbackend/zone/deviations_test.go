package zone

import (
	"slices"
	"strings"

	"github.com/coredns/coredns/plugin/file/tree"
	"github.com/miekg/dns"
)

// deviations turn file's answer into the RFC's where file breaks an RFC, in
// this order. Each applies only where its condition holds, and rewrites
// file's answer as the RFC section says; the engine's answer must then equal
// it to the record. The differential test counts how often each applied.
type deviation struct {
	name  string
	apply func(d *diff, q Query, f *Answer) bool
}

var deviations []deviation

func init() { deviations = deviationList() }

func deviationList() []deviation {
	return []deviation{
		{"RFC 4592 2.2.2/3.3.1: an empty non-terminal exists, no wildcard matches it", (*diff).entNotWildcard},
		{"RFC 1034 3.6.2: a CNAME synthesised from a wildcard to itself loops, SERVFAIL", (*diff).wildcardSelfLoop},
		{"RFC 1034 3.6.2: chain loops and the chain limit are the same for NS queries (file chases those through its upstream)", (*diff).nsChainLimit},
		{"RFC 2308 2.2: a CNAME chain ending at a name without the type is NODATA with the SOA", (*diff).chainNoData},
		{"RFC 2308 2.1/2.2, RFC 4035 3.1.3: a chain's negative answer carries the denial of its last name", (*diff).chainDenial},
		{"RFC 4035 3.1.3.2/3.1.3.3, RFC 4592 3.3.1: the covering NSECs are those of the last names holding one, the wildcard's at the true closest encloser", (*diff).denialNSEC},
		{"RFC 4035 3.1.3.4, RFC 4592 3.3.3: wildcard NODATA carries the NSEC covering qname besides the wildcard's", (*diff).wildcardNoDataNSEC},
		{"RFC 2308 3 and 5: negative answers' SOA TTL is min(TTL, MINIMUM); RFC 4034 3: its RRSIGs' too", (*diff).negativeTTL},
		{"RFC 9460 2.5.2/4.1: SVCB/HTTPS TargetName '.' in ServiceMode is the owner; its addresses are additional", (*diff).svcbSelf},
		{"RFC 1034 4.3.2 step 3a: an RRSIG query at the apex returns every RRSIG there (file keeps SOA/NS ones apart)", (*diff).apexRRSIG},
		{"RFC 2181 5: RRSIGs answered in the zone's order (by covered type); an RRset's order is not significant", (*diff).rrsigOrder},
		{"RFC 4035 3.1.3.3: a wildcard CNAME's RRSIGs carry the expanded owner", (*diff).wildcardSigOwner},
	}
}

// entNotWildcard: file synthesises from a wildcard above an empty
// non-terminal qname, or else answers NOERROR with Result Success; the RFC
// answer is NODATA (RFC 8020 2) with the NSEC that covers qname.
func (d *diff) entNotWildcard(q Query, f *Answer) bool {
	if !d.isENT(q.Name) || f.Result == Delegation || (f.Result == NoData && len(f.Ns) > 0 && f.Ns[len(f.Ns)-1].Header().Name == q.Name) {
		return false
	}
	*f = Answer{Ns: d.fileSOA(q.DO), Result: NoData}
	if q.DO {
		f.Ns = append(f.Ns, d.nsecCover(q.Name)...)
	}
	return true
}

// wildcardSelfLoop: file follows x CNAME x synthesised from a wildcard
// through its upstream until its loop limit, and answers the repeated CNAME.
func (d *diff) wildcardSelfLoop(q Query, f *Answer) bool {
	for _, rr := range f.Answer {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, c.Target) && !d.owners[strings.ToLower(c.Hdr.Name)] && q.Type != dns.TypeCNAME {
			*f = Answer{Result: ServerFailure}
			return true
		}
	}
	return false
}

// nsChainLimit: for NS, file sends every hop of a chain through its
// upstream, so a loop or a long chain ends at its upstream loop limit (nine
// CNAMEs, repeated ones included) rather than at its chain limit (ten) or its
// self-loop check; the engine treats NS like every other type, so the answer
// is file's for a type that no name of the chain holds.
func (d *diff) nsChainLimit(q Query, f *Answer) bool {
	if q.Type != dns.TypeNS || countType(f.Answer, dns.TypeCNAME) < 9 {
		return false
	}
	*f = fileLookup(d.fz, Query{Name: q.Name, Type: dns.TypePTR, DO: q.DO})
	return true
}

// chainNoData: file answers NOERROR with the NS for a chain whose last name
// is in the zone but has no record of the type.
func (d *diff) chainNoData(q Query, f *Answer) bool {
	last, ok := d.chainEnd(f.Answer)
	if !ok || f.Result != Success || q.Type == dns.TypeCNAME || countType(f.Answer, dns.TypeCNAME) >= maxHops {
		return false
	}
	e, found := d.fz.Search(last)
	if !found || e.Type(q.Type) != nil || e.Type(dns.TypeCNAME) != nil || d.lastIsTarget(f.Answer, q.Type) {
		return false
	}
	f.Ns, f.Result = d.fileSOA(q.DO), NoData
	if q.DO {
		f.Ns = append(f.Ns, typeAndSigs(e, dns.TypeNSEC)...)
	}
	return true
}

// chainDenial: after a chain file sends only the SOA of the zone asked;
// the RFC answer's authority section is the denial of the chain's last name,
// as a direct query for it gets.
func (d *diff) chainDenial(q Query, f *Answer) bool {
	last, ok := d.chainEnd(f.Answer)
	if !ok || (f.Result != NoData && f.Result != NameError) {
		return false
	}
	f.Ns = d.rfcAnswer(Query{Name: last, Type: q.Type, DO: q.DO}).Ns
	return true
}

// denialNSEC: file takes the NSEC of the name just before qname, which is
// none when that is glue, and the closest encloser to be the deepest name
// with records, skipping empty non-terminals. The RFC's covering NSECs, from
// the zone's NSEC chain (refCompare order): that of the last name at or before
// qname holding one, and for NXDOMAIN that covering the wildcard at the true
// closest encloser.
func (d *diff) denialNSEC(q Query, f *Answer) bool {
	if !q.DO || d.owners[q.Name] || d.isENT(q.Name) {
		return false
	}
	before := slices.Clone(f.Ns)
	switch {
	case f.Result == NameError && countType(f.Answer, dns.TypeCNAME) == 0:
		ce := q.Name
		for !d.owners[ce] && !d.isENT(ce) {
			ce = parentName(ce)
		}
		deny, wild := d.nsecCover(q.Name), d.nsecCover("*."+ce)
		f.Ns = append(d.fileSOA(true), deny...)
		if len(wild) > 0 && (len(deny) == 0 || wild[0] != deny[0]) {
			f.Ns = append(f.Ns, wild...)
		}
	case f.Result == Success && len(f.Answer) > 0 && countType(f.Answer, dns.TypeCNAME) == 0 && strings.EqualFold(f.Answer[0].Header().Name, q.Name):
		f.Ns = append(typeAndSigsIf(d.apexElem(), dns.TypeNS, true), d.nsecCover(q.Name)...)
		if len(f.Ns) == 0 || f.Ns[0].Header().Rrtype != dns.TypeNS {
			f.Ns = append(append([]dns.RR{}, d.fz.NS...), append(d.fz.SIGNS, d.nsecCover(q.Name)...)...)
		}
	default:
		return false
	}
	return !slices.Equal(rrStrings(before), rrStrings(f.Ns))
}

// wildcardNoDataNSEC: for NODATA from a wildcard file sends the NSEC at the
// wildcard alone, and none when the wildcard is an empty non-terminal (RFC
// 4592 3.3.3); RFC 4035 3.1.3.4 asks as well for the NSEC that covers qname
// (no closer match), and for an empty non-terminal wildcard the NSEC that
// covers it shows it has no records.
func (d *diff) wildcardNoDataNSEC(q Query, f *Answer) bool {
	if !q.DO || f.Result != NoData || countType(f.Answer, dns.TypeCNAME) > 0 || d.owners[q.Name] || d.isENT(q.Name) {
		return false
	}
	ce := q.Name
	for !d.owners[ce] && !d.isENT(ce) {
		ce = parentName(ce)
	}
	wild := "*." + ce
	var proof []dns.RR
	switch {
	case d.owners[wild]:
		e, _ := d.fz.Search(wild)
		proof = typeAndSigs(e, dns.TypeNSEC)
	case d.isENT(wild):
		proof = d.nsecCover(wild)
	default:
		return false
	}
	deny := d.nsecCover(q.Name)
	f.Ns = append(d.fileSOA(true), deny...)
	if len(proof) > 0 && (len(deny) == 0 || proof[0] != deny[0]) {
		f.Ns = append(f.Ns, proof...)
	}
	return true
}

// nsecCover returns the NSEC, with its RRSIGs, of the last name at or before
// name (in canonical order) that holds one.
func (d *diff) nsecCover(name string) []dns.RR {
	var best string
	for o := range d.owners {
		if refCompare(o, name) <= 0 && (best == "" || refCompare(o, best) > 0) {
			if e, ok := d.fz.Search(o); ok && e.Type(dns.TypeNSEC) != nil {
				best = o
			}
		}
	}
	if best == "" {
		return nil
	}
	e, _ := d.fz.Search(best)
	return typeAndSigs(e, dns.TypeNSEC)
}

func (d *diff) apexElem() *tree.Elem {
	e, _ := d.fz.Search(d.origin)
	return e
}

func parentName(name string) string {
	i, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[i:]
}

func (d *diff) negativeTTL(q Query, f *Answer) bool {
	applied := false
	for i, rr := range f.Ns {
		var soa *dns.SOA
		switch r := rr.(type) {
		case *dns.SOA:
			soa = r
		case *dns.RRSIG:
			if r.TypeCovered == dns.TypeSOA {
				soa = d.fz.SOA
			}
		}
		if soa != nil && rr.Header().Ttl > soa.Minttl {
			c := dns.Copy(rr)
			c.Header().Ttl = soa.Minttl
			f.Ns[i] = c
			applied = true
		}
	}
	return applied
}

func (d *diff) svcbSelf(q Query, f *Answer) bool {
	applied := false
	for _, rr := range f.Answer {
		var prio uint16
		var target string
		switch r := rr.(type) {
		case *dns.SVCB:
			prio, target = r.Priority, r.Target
		case *dns.HTTPS:
			prio, target = r.Priority, r.Target
		default:
			continue
		}
		if target != "." || prio == 0 {
			continue
		}
		if e, ok := d.fz.Search(rr.Header().Name); ok {
			f.Extra = append(f.Extra, typeAndSigsIf(e, dns.TypeA, q.DO)...)
			f.Extra = append(f.Extra, typeAndSigsIf(e, dns.TypeAAAA, q.DO)...)
			applied = true
		}
	}
	return applied
}

func (d *diff) apexRRSIG(q Query, f *Answer) bool {
	last := q.Name
	if end, ok := d.chainEnd(f.Answer); ok {
		last = end
	}
	if last != d.origin || q.Type != dns.TypeRRSIG || len(d.fz.SIGSOA)+len(d.fz.SIGNS) == 0 {
		return false
	}
	f.Answer = append(append(slices.Clone(f.Answer), d.fz.SIGSOA...), d.fz.SIGNS...)
	return true
}

func (d *diff) rrsigOrder(q Query, f *Answer) bool {
	if q.Type != dns.TypeRRSIG || len(f.Answer) < 2 {
		return false
	}
	// The RRset answered is the RRSIGs after the chain, if any: those at the
	// last name.
	last := q.Name
	if end, ok := d.chainEnd(f.Answer); ok {
		last = end
	}
	i := len(f.Answer)
	for i > 0 && f.Answer[i-1].Header().Rrtype == dns.TypeRRSIG && strings.EqualFold(f.Answer[i-1].Header().Name, last) {
		i--
	}
	f.Answer = slices.Clone(f.Answer)
	slices.SortStableFunc(f.Answer[i:], func(a, b dns.RR) int {
		return int(a.(*dns.RRSIG).TypeCovered) - int(b.(*dns.RRSIG).TypeCovered)
	})
	return true
}

func (d *diff) wildcardSigOwner(q Query, f *Answer) bool {
	applied := false
	owner := ""
	for i, rr := range f.Answer {
		if c, ok := rr.(*dns.CNAME); ok {
			owner = c.Hdr.Name
			continue
		}
		if s, ok := rr.(*dns.RRSIG); ok && s.TypeCovered == dns.TypeCNAME && strings.HasPrefix(s.Hdr.Name, "*.") && owner != "" {
			c := dns.Copy(s)
			c.Header().Name = owner
			f.Answer = slices.Clone(f.Answer)
			f.Answer[i] = c
			applied = true
		}
	}
	return applied
}

// chainEnd returns the target of the last CNAME of answer, if answer holds
// a chain.
func (d *diff) chainEnd(answer []dns.RR) (string, bool) {
	last := ""
	for _, rr := range answer {
		if c, ok := rr.(*dns.CNAME); ok {
			last = c.Target
		}
	}
	if last == "" || !dns.IsSubDomain(d.origin, last) {
		return "", false
	}
	return strings.ToLower(last), true
}

// lastIsTarget reports whether answer holds records of type t after the
// last CNAME.
func (d *diff) lastIsTarget(answer []dns.RR, t uint16) bool {
	found := false
	for _, rr := range answer {
		switch rr.Header().Rrtype {
		case dns.TypeCNAME:
			found = false
		case t:
			found = true
		}
	}
	return found
}

// fileSOA is the apex SOA (with DO its RRSIGs) as file sends it.
func (d *diff) fileSOA(do bool) []dns.RR {
	out := []dns.RR{d.fz.SOA}
	if do {
		out = append(out, d.fz.SIGSOA...)
	}
	return out
}

func typeAndSigs(e *tree.Elem, t uint16) []dns.RR { return typeAndSigsIf(e, t, true) }

func typeAndSigsIf(e *tree.Elem, t uint16, do bool) []dns.RR {
	out := slices.Clone(e.Type(t))
	if do {
		for _, rr := range e.Type(dns.TypeRRSIG) {
			if rr.(*dns.RRSIG).TypeCovered == t {
				out = append(out, rr)
			}
		}
	}
	return out
}

func countType(rrs []dns.RR, t uint16) int {
	n := 0
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			n++
		}
	}
	return n
}

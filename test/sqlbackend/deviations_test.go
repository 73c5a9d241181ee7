package sqlbackend_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// deviation is one place where sqlbackend must answer otherwise than the file plugin,
// because file departs from an RFC there (issue 18, cases a-g). apply rewrites want, the
// answer file gave to c, into what the RFC calls for, and reports whether the rule applied
// to c. The parity corpus compares sqlbackend with file's answers after every deviation
// has been applied, so any other difference fails: the list is all that may differ.
//
// The rewrites are built from file's own answers where they can be (a query for the
// chain's target, file serving the parent zone alone), so each says only what changes.
type deviation struct {
	rule  string // the case
	rfc   string
	what  string
	apply func(o *fileOracle, c corpusCase, want *dns.Msg) bool
}

// No rule for g (RFC 9460 4.1, A/AAAA of in-zone SVCB/HTTPS targets in the additional
// section): the file plugin of CoreDNS 1.15 adds them already, so parity holds them
// (svc.example.org HTTPS) without a deviation.
//
// The order matters: c and d replace the answer by another, which the rules after them
// then see; b fixes every negative SOA, whichever rule put it there; f replaces a UDP
// answer by the TCP one, already rewritten.
var deviations = []deviation{
	{"a", "RFC 4592 2.2.2", "an empty non-terminal exists: NODATA, not the wildcard of its parent", entNotWildcard},
	{"c", "RFC 4035 3.1.4.1, RFC 4034 5", "DS at the apex of a child zone served here comes from the parent", dsFromParent},
	{"d", "RFC 1034 4.3.2 step 3a, RFC 2308 2.1", "a CNAME into another zone served here goes on there; that zone's answer, authority and rcode", chainAcrossZones},
	{"e", "RFC 2308 2.2", "a chain ending in NODATA is a negative answer: the SOA, not the NS", chainEndsInNoData},
	{"b", "RFC 2308 3, 5", "a negative answer's SOA has TTL min(SOA TTL, MINIMUM)", negativeSOATTL},
	{"f", "RFC 2181 9", "TC only when the answer is incomplete: apex NS that do not fit are left out", tcOnlyWhenIncomplete},
	{"h", "RFC 1034 4.3.2 step 3a", "a CNAME chain is followed alike for every type asked, NS included", nsChainLikeOthers},
}

// fileOracle asks the file plugin, serving the corpus zones, and rewrites its answers by
// the deviations. hits lists, per rule, the corpus cases it applied to.
type fileOracle struct {
	t     *testing.T
	all   *harness.Server            // every corpus zone
	alone map[string]*harness.Server // one zone only, started on first use
	model *zoneModel
	rules []deviation // deviations; a field, as the rules call expected
	depth int         // of expected's recursion: follows chains, so it is bounded
	hits  map[string][]string
}

func newFileOracle(t *testing.T) *fileOracle {
	return &fileOracle{t: t, all: startFile(t, sortedKeys(corpusZones)...), alone: map[string]*harness.Server{},
		model: newZoneModel(t, corpusZones), rules: deviations, hits: map[string][]string{}}
}

// ask sends c to s.
func (o *fileOracle) ask(s *harness.Server, c corpusCase) *dns.Msg {
	addr := s.UDP
	if c.net == "tcp" {
		addr = s.TCP
	}
	return harness.Exchange(o.t, addr, query(c), c.net)
}

// expected is file's answer to c with every deviation applied: what sqlbackend must send.
func (o *fileOracle) expected(c corpusCase) *dns.Msg {
	want := o.ask(o.all, c).Copy()
	if o.depth > 8 {
		return want // a CNAME loop: file's answer as it is
	}
	o.depth++
	defer func() { o.depth-- }()
	for _, d := range o.rules {
		if d.apply(o, c, want) && o.depth == 1 {
			o.hits[d.rule] = append(o.hits[d.rule], c.String())
		}
	}
	return want
}

// nsChainLikeOthers (h): a CNAME chain is followed the same way whatever the type asked
// (RFC 1034 4.3.2 step 3a). file sends an NS query's chain through its upstream, whose loop
// bound ends a CNAME loop one CNAME earlier, with SERVFAIL; sqlbackend ends it where file
// ends the chain of any other type: file's answer to the A query, a chain of CNAMEs.
func nsChainLikeOthers(o *fileOracle, c corpusCase, want *dns.Msg) bool {
	if c.qtype != dns.TypeNS || want.Rcode != dns.RcodeServerFailure || len(want.Answer) == 0 {
		return false
	}
	a := o.ask(o.all, corpusCase{name: c.name, qtype: dns.TypeA, net: c.net, edns: c.edns, do: c.do})
	for _, rr := range a.Answer {
		if rr.Header().Rrtype != dns.TypeCNAME {
			return false
		}
	}
	want.Rcode, want.Answer, want.Ns = a.Rcode, a.Answer, a.Ns
	return true
}

// fileAlone returns a file server serving only the zone origin.
func (o *fileOracle) fileAlone(origin string) *harness.Server {
	if o.alone[origin] == nil {
		o.alone[origin] = startFile(o.t, origin)
	}
	return o.alone[origin]
}

// entNotWildcard (a): file synthesises from *.parent at a name that does not own records
// but has names below it, an empty non-terminal, which exists (RFC 4592 2.2.2).
func entNotWildcard(o *fileOracle, c corpusCase, want *dns.Msg) bool {
	name := dns.CanonicalName(c.name)
	if !o.model.isENT(name) || want.Rcode != dns.RcodeSuccess || len(want.Answer) == 0 {
		return false
	}
	want.Answer, want.Ns = nil, []dns.RR{o.model.soa[o.model.zoneOf(name)]}
	want.Extra = onlyOPT(want.Extra)
	return true
}

// dsFromParent (c): the DS RRset at a cut is the parent's; file answers a DS query at the
// apex of a zone it serves from that zone, NODATA. The parent's answer is file's when it
// serves the parent alone.
func dsFromParent(o *fileOracle, c corpusCase, want *dns.Msg) bool {
	name := dns.CanonicalName(c.name)
	if c.qtype != dns.TypeDS || !slices.Contains(o.model.origins, name) {
		return false
	}
	off, _ := dns.NextLabel(name, 0)
	parent := o.model.zoneOf(name[off:])
	if parent == "" || !o.model.ns[parent][name] {
		return false
	}
	*want = *o.ask(o.fileAlone(parent), c).Copy()
	return true
}

// chainAcrossZones (d): at a CNAME whose target is in another zone this server serves
// (a child below the zone's own delegation included), the answer goes on with that
// zone's answer to the target; its authority section and rcode are that zone's too
// (RFC 2308 2.1: the rcode and SOA speak of the last name). File stops at its own zone's
// cut, or keeps its own zone's authority section.
func chainAcrossZones(o *fileOracle, c corpusCase, want *dns.Msg) bool {
	if c.qtype == dns.TypeCNAME {
		return false
	}
	owner := dns.CanonicalName(c.name)
	for i, rr := range want.Answer {
		cname, ok := rr.(*dns.CNAME)
		if !ok || dns.CanonicalName(rr.Header().Name) != owner {
			return false
		}
		target := dns.CanonicalName(cname.Target)
		if z := o.model.zoneOf(target); z != "" && z != o.model.zoneOf(owner) {
			tail := o.expected(corpusCase{name: target, qtype: c.qtype, net: c.net, edns: c.edns, do: c.do})
			want.Answer = append(want.Answer[:i+1:i+1], tail.Answer...)
			want.Ns, want.Extra, want.Rcode, want.Truncated = tail.Ns, tail.Extra, tail.Rcode, tail.Truncated
			return true
		}
		owner = target
	}
	return false
}

// chainEndsInNoData (e): a chain whose last target has no record of the type is a NODATA
// answer, with the SOA (of the zone where the chain ended, the target's) in the authority
// section; file sends the zone's NS there.
func chainEndsInNoData(o *fileOracle, c corpusCase, want *dns.Msg) bool {
	if c.qtype == dns.TypeCNAME || want.Rcode != dns.RcodeSuccess || len(want.Answer) == 0 || hasSOA(want.Ns) {
		return false
	}
	last, ok := want.Answer[len(want.Answer)-1].(*dns.CNAME)
	if !ok {
		return false
	}
	tail := o.expected(corpusCase{name: last.Target, qtype: c.qtype, net: c.net, edns: c.edns, do: c.do})
	if tail.Rcode != dns.RcodeSuccess || len(tail.Answer) > 0 || !hasSOA(tail.Ns) {
		return false
	}
	want.Ns = tail.Ns
	return true
}

// negativeSOATTL (b): the SOA of a negative answer (the only answers with a SOA in the
// authority section) is sent with TTL min(SOA TTL, MINIMUM); file sends its own TTL.
func negativeSOATTL(_ *fileOracle, _ corpusCase, want *dns.Msg) bool {
	changed := false
	for i, rr := range want.Ns {
		if soa, ok := rr.(*dns.SOA); ok && soa.Minttl < soa.Hdr.Ttl {
			fixed := dns.Copy(soa).(*dns.SOA)
			fixed.Hdr.Ttl = soa.Minttl
			want.Ns[i] = fixed
			changed = true
		}
	}
	return changed
}

// tcOnlyWhenIncomplete (f): over UDP without EDNS (512 octets) file sets TC when the
// authority section's NS do not fit, though the answer is whole. The RFC answer is the
// whole answer (the TCP one) without the authority section, TC clear. It applies only when
// what remains fits.
func tcOnlyWhenIncomplete(o *fileOracle, c corpusCase, want *dns.Msg) bool {
	if c.net != "udp" || c.edns != 0 || !want.Truncated {
		return false
	}
	tcp := c
	tcp.net = "tcp"
	whole := o.expected(tcp)
	if sectionText(want.Answer) != sectionText(whole.Answer) || hasSOA(whole.Ns) {
		return false
	}
	fixed := whole.Copy()
	fixed.Ns, fixed.Truncated, fixed.Compress = nil, false, true
	if fixed.Len() > dns.MinMsgSize {
		return false
	}
	*want = *fixed
	return true
}

func hasSOA(rrs []dns.RR) bool {
	return slices.ContainsFunc(rrs, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeSOA })
}

func onlyOPT(rrs []dns.RR) []dns.RR {
	return slices.DeleteFunc(slices.Clone(rrs), func(rr dns.RR) bool { return rr.Header().Rrtype != dns.TypeOPT })
}

func sectionText(rrs []dns.RR) string {
	lines := make([]string, len(rrs))
	for i, rr := range rrs {
		lines[i] = rr.String()
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// zoneModel is what the deviations need to know of the corpus zones: which zones there
// are, their SOAs, where NS records are (apexes and cuts) and which names own records.
type zoneModel struct {
	origins []string
	soa     map[string]*dns.SOA
	ns      map[string]map[string]bool // zone -> names with NS in it
	owners  map[string]bool
}

func newZoneModel(t *testing.T, zones map[string]string) *zoneModel {
	m := &zoneModel{soa: map[string]*dns.SOA{}, ns: map[string]map[string]bool{}, owners: map[string]bool{}}
	for _, origin := range sortedKeys(zones) {
		m.origins = append(m.origins, origin)
		m.ns[origin] = map[string]bool{}
		zp := dns.NewZoneParser(strings.NewReader(zones[origin]), origin, "")
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			name := dns.CanonicalName(rr.Header().Name)
			m.owners[name] = true
			switch x := rr.(type) {
			case *dns.SOA:
				m.soa[origin] = x
			case *dns.NS:
				m.ns[origin][name] = true
			}
		}
		if err := zp.Err(); err != nil {
			t.Fatalf("zone %s: %v", origin, err)
		}
	}
	return m
}

// zoneOf returns the longest origin that holds name, "" for none.
func (m *zoneModel) zoneOf(name string) string {
	best := ""
	for _, o := range m.origins {
		if dns.IsSubDomain(o, name) && len(o) > len(best) {
			best = o
		}
	}
	return best
}

// isENT reports whether name is an empty non-terminal of a corpus zone: it owns no
// record, but a name below it does.
func (m *zoneModel) isENT(name string) bool {
	if m.owners[name] || m.zoneOf(name) == "" {
		return false
	}
	for o := range m.owners {
		if strings.HasSuffix(o, "."+name) {
			return true
		}
	}
	return false
}

// logDeviations reports which corpus cases each rule applied to, and fails when a rule
// applied to none: the corpus must show every deviation at work.
func (o *fileOracle) logDeviations(t *testing.T) {
	for _, d := range deviations {
		hits := o.hits[d.rule]
		if len(hits) == 0 {
			t.Errorf("deviation %s (%s) applies to no corpus case: extend the corpus zones", d.rule, d.rfc)
			continue
		}
		shown := hits[:min(len(hits), 8)]
		t.Logf("deviation %s (%s, %s): %d cases, e.g. %s", d.rule, d.rfc, d.what, len(hits), strings.Join(shown, ", "))
	}
}

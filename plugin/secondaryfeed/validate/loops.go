package validate

import (
	"slices"
	"strings"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"

	"github.com/miekg/dns"
)

// RuleLoop: names whose ALIAS, POOL and CNAME records lead back to themselves.
const RuleLoop = "loop"

// Loops finds the loops among the zone's ALIAS, POOL (any member) and CNAME records,
// before flattening (flatten.Zone runs it on the records it is given): the alias plugin
// answers a looping ALIAS with NODATA and the pool plugin a looping POOL with a CNAME
// loop, so the zone would be fed without the addresses its owner meant. Only targets in
// the zone are followed, by exact name (a loop through a wildcard is not seen). Each
// loop is one error, at the first of its names in canonical order.
func Loops(origin string, rrs []dns.RR) []report.Problem {
	g := graph(origin, rrs)
	var ps []report.Problem
	for _, scc := range components(g) {
		if len(scc) == 1 && !slices.Contains(g.edges[scc[0]], scc[0]) {
			continue
		}
		slices.Sort(scc)
		ps = append(ps, report.Problem{
			Name: scc[0], Type: g.kind[scc[0]], Rule: RuleLoop, Severity: report.Error,
			Detail: "ALIAS/POOL/CNAME records lead back to themselves through " + strings.Join(scc, " "),
		})
	}
	return ps
}

// links is the graph of names (lower case) and the in-zone names their records point at.
type links struct {
	names []string
	edges map[string][]string
	kind  map[string]string // the type of the first pointing record at a name
}

func graph(origin string, rrs []dns.RR) *links {
	g := &links{edges: map[string][]string{}, kind: map[string]string{}}
	for _, rr := range rrs {
		t := pointer(rr)
		if t == "" || !chainlookup.InZone(origin, t) {
			continue
		}
		from := dns.CanonicalName(rr.Header().Name)
		if _, ok := g.edges[from]; !ok {
			g.names = append(g.names, from)
			g.kind[from] = typeString(rr.Header().Rrtype)
		}
		g.edges[from] = append(g.edges[from], dns.CanonicalName(t))
	}
	return g
}

// pointer returns the name rr sends a resolver to, for the types that do.
func pointer(rr dns.RR) string {
	if c, ok := rr.(*dns.CNAME); ok {
		return c.Target
	}
	if a, ok := rrtypes.AsALIAS(rr); ok {
		return a.Target
	}
	if p, ok := rrtypes.AsPOOL(rr); ok {
		return p.Target
	}
	return ""
}

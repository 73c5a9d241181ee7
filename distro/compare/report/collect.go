// Package report gathers the outcome of every replayed query: counts of same, different,
// accepted and failed answers, differences grouped by kind and by zone with a few examples
// of each, and writes them as text, JSON or an HTML page.
package report

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/distro/compare/diff"
)

// Outcome is what happened to one query.
type Outcome struct {
	Query   *dns.Msg
	Network string
	A, B    *dns.Msg // nil on error
	Err     error    // a side that did not answer after every retry
	Diffs   []diff.Difference
}

// Collector counts outcomes and keeps examples. It is safe for concurrent use.
type Collector struct {
	allow    *AllowList
	examples int

	mu       sync.Mutex
	summary  Summary
	kinds    map[diff.Kind]*group
	accepted map[string]int // reason -> answers
	errors   *group
	zones    *zoneSet
}

// Summary is the one-line outcome of a replay.
type Summary struct {
	Queries   int `json:"queries"`
	Same      int `json:"same"`
	Different int `json:"different"` // differing, not accepted
	Accepted  int `json:"accepted"`  // differing, every difference accepted by the allow-list
	Errors    int `json:"errors"`    // no answer from A or B
}

func (s Summary) String() string {
	return fmt.Sprintf("%d same, %d different, %d accepted, %d errors", s.Same, s.Different, s.Accepted, s.Errors)
}

// group is the answers of one kind of difference (or the errors).
type group struct {
	count    int
	zones    map[string]int
	examples []Example
	// unplaced counts answers by query name while no known zone holds the name: a zone may
	// be learned from a later answer (the first answers of a replay come before any SOA).
	unplaced map[string]int
}

// maxUnplaced bounds the names a group keeps for placing later; beyond, they stay "unknown".
const maxUnplaced = 10000

// Example shows one query and both answers.
type Example struct {
	Query       string            `json:"query"` // "name TYPE transport flags"
	Zone        string            `json:"zone"`
	Differences []diff.Difference `json:"differences,omitempty"`
	Error       string            `json:"error,omitempty"`
	A           string            `json:"a,omitempty"` // the answers as dig shows them
	B           string            `json:"b,omitempty"`
}

// NewCollector keeps up to examples examples of each kind, and accepts what allow allows
// (nil: nothing).
func NewCollector(allow *AllowList, examples int, zones []string) *Collector {
	return &Collector{
		allow: allow, examples: examples,
		kinds:    map[diff.Kind]*group{},
		accepted: map[string]int{},
		errors:   &group{zones: map[string]int{}},
		zones:    newZoneSet(zones),
	}
}

// Add records one outcome. It tells whether the answers differ in a way not accepted.
func (c *Collector) Add(o Outcome) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.summary.Queries++
	name := o.Query.Question[0].Name
	zone := c.zones.of(name, o.A, o.B)
	switch {
	case o.Err != nil:
		c.summary.Errors++
		c.errors.add(c.example(o, zone), name, zone, c.examples)
		return false
	case len(o.Diffs) == 0:
		c.summary.Same++
		return false
	}
	if reasons, ok := c.allow.Accept(o.Query.Question[0], o.Diffs); ok {
		c.summary.Accepted++
		for _, r := range reasons {
			c.accepted[r]++
		}
		return false
	}
	c.summary.Different++
	ex := c.example(o, zone)
	seen := map[diff.Kind]bool{}
	for _, d := range o.Diffs {
		if seen[d.Kind] {
			continue
		}
		seen[d.Kind] = true
		g, ok := c.kinds[d.Kind]
		if !ok {
			g = &group{zones: map[string]int{}}
			c.kinds[d.Kind] = g
		}
		g.add(ex, name, zone, c.examples)
	}
	return true
}

func (g *group) add(ex func() Example, name, zone string, max int) {
	g.count++
	if zone == unknownZone && len(g.unplaced) < maxUnplaced {
		if g.unplaced == nil {
			g.unplaced = map[string]int{}
		}
		g.unplaced[strings.ToLower(name)]++
	} else {
		g.zones[zone]++
	}
	if len(g.examples) >= max {
		return
	}
	e := ex()
	for _, have := range g.examples {
		if have.Query == e.Query {
			return // the same question again shows nothing new
		}
	}
	g.examples = append(g.examples, e)
}

// example makes the example lazily: most outcomes are never shown.
func (c *Collector) example(o Outcome, zone string) func() Example {
	return func() Example {
		ex := Example{Query: describe(o.Query, o.Network), Zone: zone, Differences: o.Diffs}
		if o.Err != nil {
			ex.Error = o.Err.Error()
		}
		if o.A != nil {
			ex.A = o.A.String()
		}
		if o.B != nil {
			ex.B = o.B.String()
		}
		return ex
	}
}

// describe writes a query as a line of a dig -f list, so it can be asked again by hand.
func describe(q *dns.Msg, network string) string {
	qq := q.Question[0]
	parts := []string{qq.Name, dns.TypeToString[qq.Qtype]}
	if !q.RecursionDesired {
		parts = append(parts, "+norec")
	}
	if q.CheckingDisabled {
		parts = append(parts, "+cd")
	}
	if opt := q.IsEdns0(); opt == nil {
		parts = append(parts, "+noedns")
	} else {
		if opt.Do() {
			parts = append(parts, "+dnssec")
		}
		parts = append(parts, fmt.Sprintf("+bufsize=%d", opt.UDPSize()))
	}
	if network == "tcp" {
		parts = append(parts, "+tcp")
	}
	return strings.Join(parts, " ")
}

// Summary returns the counts so far.
func (c *Collector) Summary() Summary {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.summary
}

// Report is everything a replay found, in the order a reader wants it.
type Report struct {
	Summary  Summary        `json:"summary"`
	Line     string         `json:"line"`
	Kinds    []KindReport   `json:"kinds"`
	Accepted []AcceptReport `json:"accepted"`
	Errors   KindReport     `json:"errors"`
	Meta     map[string]any `json:"meta,omitempty"` // what was replayed and how: set by the caller
}

// KindReport is one kind of difference: how many answers, in which zones, a few examples.
type KindReport struct {
	Kind     diff.Kind   `json:"kind,omitempty"`
	Answers  int         `json:"answers"`
	Zones    []ZoneCount `json:"zones"`
	Examples []Example   `json:"examples"`
}

type ZoneCount struct {
	Zone    string `json:"zone"`
	Answers int    `json:"answers"`
}

type AcceptReport struct {
	Reason  string `json:"reason"`
	Answers int    `json:"answers"`
}

// Report returns the report of everything added so far.
func (c *Collector) Report() Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Report{Summary: c.summary, Line: c.summary.String(), Kinds: []KindReport{}, Accepted: []AcceptReport{}}
	for _, k := range diff.Kinds {
		if g, ok := c.kinds[k]; ok {
			kr := g.report(c.zones)
			kr.Kind = k
			r.Kinds = append(r.Kinds, kr)
		}
	}
	for reason, n := range c.accepted {
		r.Accepted = append(r.Accepted, AcceptReport{reason, n})
	}
	sort.Slice(r.Accepted, func(i, j int) bool {
		return r.Accepted[i].Answers > r.Accepted[j].Answers || r.Accepted[i].Answers == r.Accepted[j].Answers && r.Accepted[i].Reason < r.Accepted[j].Reason
	})
	r.Errors = c.errors.report(c.zones)
	return r
}

func (g *group) report(zs *zoneSet) KindReport {
	kr := KindReport{Answers: g.count, Zones: []ZoneCount{}, Examples: append([]Example{}, g.examples...)}
	zones := maps.Clone(g.zones)
	for name, n := range g.unplaced {
		zones[zs.lookup(name)] += n
	}
	for i, ex := range kr.Examples {
		if ex.Zone == unknownZone {
			kr.Examples[i].Zone = zs.lookup(strings.ToLower(strings.Fields(ex.Query)[0]))
		}
	}
	for z, n := range zones {
		kr.Zones = append(kr.Zones, ZoneCount{z, n})
	}
	sort.Slice(kr.Zones, func(i, j int) bool {
		return kr.Zones[i].Answers > kr.Zones[j].Answers || kr.Zones[i].Answers == kr.Zones[j].Answers && kr.Zones[i].Zone < kr.Zones[j].Zone
	})
	return kr
}

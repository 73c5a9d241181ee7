package flatten

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"

	"github.com/miekg/dns"
)

// Rules of the problems Zone reports.
const (
	RuleStale      = "conversion-stale"   // resolution failed, last good records fed
	RuleFailed     = "conversion-failed"  // resolution failed, nothing to feed
	RuleStore      = "conversion-store"   // the Results store failed
	RuleOutside    = "outside-zone"       // an ALIAS/URL/POOL record not in the zone
	RuleEmptyPool  = "pool-empty"         // POOL records without a member
	RuleBadSpecial = "bad-special-record" // an ALIAS/URL/POOL record that can't be read
)

// converter is one run of Zone.
type converter struct {
	origin string
	digest string // of the zone's records: see source
	lookup Lookup
	res    Results
	opt    Options

	mu        sync.Mutex // names are converted in parallel: guards what follows
	now, next time.Time  // next: the soonest a conversion is due again
	problems  []Problem
	keys      []Key
}

// all converts names, Parallel at a time, and returns their records in the same order.
func (c *converter) all(ctx context.Context, names []*owner) [][]dns.RR {
	outs := make([][]dns.RR, len(names))
	sem := make(chan struct{}, c.opt.Parallel)
	var wg sync.WaitGroup
	for i, n := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			outs[i] = c.name(ctx, n)
		})
	}
	wg.Wait()
	return outs
}

// name returns the converted records of o.
func (c *converter) name(ctx context.Context, o *owner) []dns.RR {
	if !dns.IsSubDomain(c.origin, o.name) {
		c.problem(o.name, o.special[0].Header().Rrtype, RuleOutside, report.Error, "not in zone "+c.origin+": left out")
		return nil
	}
	if o.has[dns.TypeCNAME] {
		return nil // the chain answers the CNAME; validate reports the conflict
	}
	if o.holds(rrtypes.TypePOOL) && !o.holds(rrtypes.TypeURL) {
		return c.pool(o)
	}
	var out []dns.RR
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		if !o.has[t] {
			out = append(out, c.addresses(ctx, o, t)...)
		}
	}
	return out
}

// pool returns the CNAME Choose picks among o's POOL records.
func (c *converter) pool(o *owner) []dns.RR {
	cname, ok := Choose(o.special)
	if !ok {
		c.problem(o.name, rrtypes.TypePOOL, RuleEmptyPool, report.Error, "POOL records without a readable member: no CNAME fed")
		return nil
	}
	return []dns.RR{cname}
}

// addresses returns the records of qtype the chain answers at o: from the store while
// they are fresh for the same source, else from the chain, else (on failure) the last
// good ones.
func (c *converter) addresses(ctx context.Context, o *owner, qtype uint16) []dns.RR {
	k := Key{Owner: dns.CanonicalName(o.name), Qtype: qtype}
	c.mu.Lock()
	c.keys = append(c.keys, k)
	c.mu.Unlock()
	src := c.source(o)
	prev, found, err := c.res.Get(ctx, c.origin, k.Owner, qtype)
	if err != nil {
		c.problem(o.name, qtype, RuleStore, report.Warning, "reading the last result: "+err.Error())
	}
	found = found && err == nil && sameRecords(prev.Source, src)
	if found && prev.Source == src && c.now.Before(prev.expires()) {
		c.due(prev.expires())
		return prev.RRs
	}
	r, err := c.resolve(ctx, o, qtype, src)
	if err == nil {
		if err := c.res.Put(ctx, c.origin, k.Owner, qtype, r); err != nil {
			c.problem(o.name, qtype, RuleStore, report.Warning, "keeping the result: "+err.Error())
		}
		c.due(r.expires())
		return r.RRs
	}
	c.due(c.now) // retry as soon as allowed: Min
	if found {
		c.problem(o.name, qtype, RuleStale, report.Warning,
			fmt.Sprintf("%v; feeding the records resolved at %s", err, prev.Resolved.UTC().Format(time.RFC3339)))
		return prev.RRs
	}
	c.problem(o.name, qtype, RuleFailed, report.Error, err.Error()+"; no earlier result to feed")
	return nil
}

// due moves the next refresh to t if that is sooner.
func (c *converter) due(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.next) {
		c.next = t
	}
}

func (c *converter) problem(name string, t uint16, rule, severity, detail string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, Problem{Name: name, Type: typeString(t), Rule: rule, Detail: detail, Severity: severity})
}

// retain drops stored results of names that no longer need them.
func (c *converter) retain(ctx context.Context) {
	if err := c.res.Retain(ctx, c.origin, c.keys); err != nil {
		c.problem(c.origin, dns.TypeSOA, RuleStore, report.Warning, "dropping old results: "+err.Error())
	}
}

// typeString names t as zone files do: A, ALIAS, TYPE65000.
func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

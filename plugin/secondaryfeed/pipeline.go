package secondaryfeed

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/flatten"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/validate"
)

// checker is the pipeline step that flattens a zone (ALIAS, POOL and URL to standard
// records, asking the chain below as a query would) and validates the result. It keeps
// the last report of each zone, for the HTTP report and to log a zone's problems once
// per change, not once per build.
type checker struct {
	next    func() plugin.Handler // the chain below, known once the server is built
	results flatten.Results
	opt     flatten.Options

	mu      sync.Mutex
	reports map[string]report.Report
}

func newChecker(next func() plugin.Handler, res flatten.Results) *checker {
	return &checker{next: next, results: res, reports: map[string]report.Report{}}
}

// step implements Step. A version with an error is not fed: the zone keeps its last
// valid version. The refresh is flatten's: when a converted answer's TTL runs out.
func (c *checker) step(ctx context.Context, origin string, rrs []dns.RR) ([]dns.RR, time.Duration, error) {
	out, problems, refresh := flatten.Zone(ctx, origin, rrs, flatten.Chain(c.next()), c.results, c.opt)
	problems = append(problems, validate.Zone(origin, out)...)
	report.Sort(problems)
	c.record(report.Report{Zone: origin, Serial: rrs[0].(*dns.SOA).Serial, Checked: time.Now(), Problems: problems})
	if n := errorCount(problems); n > 0 {
		validationFailures.Inc()
		return nil, refresh, fmt.Errorf("%d validation error(s), see the zone's report", n)
	}
	return out, refresh, nil
}

// record keeps r, counts its conversion problems and logs them when they changed.
func (c *checker) record(r report.Report) {
	c.mu.Lock()
	prev, had := c.reports[r.Zone]
	c.reports[r.Zone] = r
	c.mu.Unlock()
	countConversions(prev.Problems, r.Problems)
	if had && report.Same(prev.Problems, r.Problems) {
		return
	}
	if len(r.Problems) == 0 {
		if had {
			log.Infof("Zone %s: no more problems", r.Zone)
		}
		return
	}
	for _, p := range r.Problems {
		log.Warningf("Zone %s: %s %s %s %s: %s", r.Zone, p.Severity, p.Rule, p.Name, p.Type, p.Detail)
	}
}

// forget drops zone's report and stored conversions: it is no longer fed.
func (c *checker) forget(ctx context.Context, zone string) error {
	c.mu.Lock()
	prev := c.reports[zone]
	delete(c.reports, zone)
	c.mu.Unlock()
	countConversions(prev.Problems, nil)
	return c.results.Forget(ctx, zone)
}

// all returns the zones' last reports, for validate.Handler.
func (c *checker) all() []report.Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]report.Report, 0, len(c.reports))
	for _, r := range c.reports {
		out = append(out, r)
	}
	return out
}

// dropAll forgets every report, keeping the stored conversions (a reload feeds the
// zones again): the gauges must not count this instance's zones twice.
func (c *checker) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for z, r := range c.reports {
		countConversions(r.Problems, nil)
		delete(c.reports, z)
	}
}

func errorCount(ps []report.Problem) int {
	n := 0
	for _, p := range ps {
		if p.Severity == report.Error {
			n++
		}
	}
	return n
}

// countConversions counts a build's failed conversions, and moves the gauge of the
// conversions fed stale from prev's count to cur's.
func countConversions(prev, cur []report.Problem) {
	stale := 0
	for _, p := range cur {
		switch p.Rule {
		case flatten.RuleStale:
			stale++
			conversionFailures.WithLabelValues("stale").Inc()
		case flatten.RuleFailed:
			conversionFailures.WithLabelValues("failed").Inc()
		}
	}
	for _, p := range prev {
		if p.Rule == flatten.RuleStale {
			stale--
		}
	}
	staleConversions.Add(float64(stale))
}

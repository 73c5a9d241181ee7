// Package flatten turns a zone's records into standard ones a secondary elsewhere can
// serve: ALIAS and URL become the A and AAAA records the chain answers for their owner
// (the alias and urlredirect plugins, same rules as live answers), POOL becomes one
// CNAME, chosen stably (see Choose). Every conversion is kept in a Results store, so
// every node feeds the same zone, a restart loses nothing, and a failed resolution
// reuses the last good records (and says so, as a Problem).
//
// Precedence at one name follows plugin.cfg: urlredirect sits below pool, pool below
// alias, and each only answers what the one below it left as NODATA. So a name with a
// URL record is converted by asking the chain (URL wins), a name with POOL and no URL
// gets the POOL's CNAME, a name with only ALIAS is converted by asking the chain. A name
// that also holds a CNAME gets nothing converted: the CNAME is what the chain answers.
// A name that holds A (or AAAA) records itself keeps them and gets no converted A (AAAA).
//
// Wildcards: a wildcard owner (*.example.org.) holding ALIAS or URL is converted by
// asking the chain for the wildcard name itself. A query for "*" matches the wildcard
// record as an ordinary name (RFC 4592, 2.2.1), and alias answers with the owner of the
// ALIAS record, so the result is A/AAAA records at *.example.org.: wildcard address
// records that the secondary expands exactly as the primary would.
package flatten

import (
	"context"
	"time"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/validate"

	"github.com/miekg/dns"
)

// Lookup asks the chain below for name/qtype, as a query would (chainlookup.Lookup). It
// returns nil when the chain wrote nothing.
type Lookup func(ctx context.Context, name string, qtype uint16) *dns.Msg

// Problem is secondaryfeed's one problem type.
type Problem = report.Problem

// Options tune Zone. Zero values take the defaults.
type Options struct {
	// Min and Max bound the refresh interval Zone returns. Defaults 30s and 1h.
	Min, Max time.Duration
	// Timeout bounds one lookup. Default 2s.
	Timeout time.Duration
	// Parallel is how many names are converted at once: a zone of many ALIAS records whose
	// targets time out must not take Timeout times their number. Default 8.
	Parallel int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultMin      = 30 * time.Second
	DefaultMax      = time.Hour
	DefaultTimeout  = 2 * time.Second
	DefaultParallel = 8
)

func (o Options) withDefaults() Options {
	if o.Min <= 0 {
		o.Min = DefaultMin
	}
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	o.Max = max(o.Max, o.Min)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Zone converts the ALIAS, URL and POOL records of rrs (origin's records, SOA first) and
// returns the zone with standard records only: every other record as it was, in the
// same order, then the converted records, name by name in the order the names first
// appear. problems (sorted, report.Sort) lists the conversions that failed (a stale or
// missing result) and what validate.Raw finds in rrs (loops, conflicting ALIAS/POOL/URL
// records). refresh is when to convert again: the soonest moment a converted answer's TTL runs out, clamped to
// [Min, Max] (Max when nothing was converted).
func Zone(ctx context.Context, origin string, rrs []dns.RR, lookup Lookup, res Results, opt Options) (out []dns.RR, problems []Problem, refresh time.Duration) {
	c := &converter{origin: dns.CanonicalName(origin), digest: digest(rrs), lookup: lookup, res: res, opt: opt.withDefaults()}
	c.now = c.opt.Now()
	c.next = c.now.Add(c.opt.Max)
	names := group(rrs)
	for _, rr := range rrs {
		if !isSpecial(rr) {
			out = append(out, rr)
		}
	}
	for _, conv := range c.all(ctx, names) {
		out = append(out, conv...)
	}
	c.retain(ctx)
	refresh = min(max(c.next.Sub(c.now), c.opt.Min), c.opt.Max)
	problems = append(c.problems, validate.Raw(c.origin, rrs)...)
	report.Sort(problems)
	return out, problems, refresh
}

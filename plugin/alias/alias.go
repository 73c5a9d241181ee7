// Package alias answers A and AAAA queries at names that hold an ALIAS record with the
// current addresses of the ALIAS target, whichever data plugin below holds the record.
package alias

import (
	"context"
	"slices"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
	"golang.org/x/sync/singleflight"
)

var log = clog.NewWithPlugin("alias")

// Alias is the alias plugin.
type Alias struct {
	Next plugin.Handler

	zones  *chainlookup.Zones // queries for names under these are looked at
	served *chainlookup.Zones // targets under these are resolved through the chain below

	up         *upstreams
	cache      *cache
	group      singleflight.Group
	maxChain   int
	stale      time.Duration // how long past its TTL an upstream answer may still be served
	memo       *chainlookup.Memo[known]
	memoWindow time.Duration
	negCap     uint32 // upper bound on the TTL of cached negative answers

	now func() time.Time // time.Now; replaced in unit tests of the cache
}

// staleTTL is the TTL of answers served from expired addresses, as RFC 8767 suggests: short
// enough that resolvers come back soon for fresh ones.
const staleTTL = 30

// ServeDNS implements plugin.Handler.
func (a *Alias) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	qtype := state.QType()
	if (qtype != dns.TypeA && qtype != dns.TypeAAAA) || a.zones.Match(state.Name()) == "" {
		return plugin.NextOrFailure(a.Name(), a.Next, ctx, w, r)
	}

	k := chainlookup.MemoKey{Name: state.Name(), Qtype: qtype, Do: state.Do()}
	now := a.now()
	known, memoHit := a.memo.Get(k, now)
	if memoHit {
		// With an answer cache above, the memo is only as good as the data it
		// was made from (deps.go): asked again once that changed.
		memoHit = known.deps.use(answerdeps.From(ctx), now)
	}
	if memoHit && !known.none {
		memoHitCount.WithLabelValues(metrics.WithServer(ctx)).Inc()
		return a.write(ctx, state, known)
	}

	// Let the data plugin answer first: names with addresses, names that do not exist,
	// delegations all go straight to the client. Only NODATA is held: that is what a
	// name holding an ALIAS (and no A/AAAA) looks like.
	hw := &chainlookup.HoldWriter{ResponseWriter: w}
	rcode, err := plugin.NextOrFailure(a.Name(), a.Next, ctx, hw, r)
	if hw.Held == nil {
		return rcode, err
	}
	if memoHit { // known to hold no ALIAS: the NODATA stands
		w.WriteMsg(hw.Held)
		return dns.RcodeSuccess, nil
	}
	return a.serveAlias(ctx, state, hw.Held, k, now)
}

// known is what alias remembers about a name for the memo window: that it holds no ALIAS,
// or the answer the ALIAS gave (addresses, or NODATA).
type known struct {
	none   bool
	nodata bool
	owner  string
	ttl    uint32
	addrs  []dns.RR
	ns     []dns.RR
	extra  []dns.RR
	deps   memoDeps // what it was made from, for an answer cache above
}

// serveAlias answers a query whose data-plugin answer, nodata, was held back.
func (a *Alias) serveAlias(ctx context.Context, state request.Request, nodata *dns.Msg, k chainlookup.MemoKey, now time.Time) (int, error) {
	qname := state.Name()
	am := chainlookup.Lookup(ctx, a.Next, state, qname, rrtypes.TypeALIAS)
	var alias dns.RR
	if am != nil && am.Rcode == dns.RcodeSuccess {
		for _, rr := range am.Answer {
			if _, ok := rrtypes.AsALIAS(rr); ok {
				alias = rr
				break
			}
		}
	}
	rec := answerdeps.From(ctx)
	if alias == nil {
		a.memo.Set(k, known{none: true, deps: depsOf(rec, now, a.memoWindow)}, now, a.memoWindow)
		state.W.WriteMsg(nodata)
		return dns.RcodeSuccess, nil
	}

	res := a.resolve(ctx, state, alias, state.QType(), metrics.WithServer(ctx))
	var kn known
	switch res.kind {
	case resultFail:
		lookupCount.WithLabelValues(metrics.WithServer(ctx), "servfail").Inc()
		return dns.RcodeServerFailure, res.err
	case resultNoData:
		rec.Expire(a.memoWindow)
		kn = known{nodata: true, ns: nodata.Ns, extra: nodata.Extra, deps: depsOf(rec, now, a.memoWindow)}
		a.memo.Set(k, kn, now, a.memoWindow)
	default:
		// The answer looks like the data plugin's answer for an address record at this
		// name: the owner as the ALIAS record has it (wildcards expanded), the authority
		// and additional sections of the ALIAS answer (the apex NS, as for any positive
		// answer).
		// The target's addresses are not ours: an answer cache keeps them no
		// longer than their TTL. res.ttl is what is left of it rounded up to a
		// second (cache.go), so a second less is never past it.
		keep := seconds(res.ttl) - time.Second
		rec.Expire(keep)
		kn = known{owner: alias.Header().Name, ttl: res.ttl, addrs: res.addrs, ns: am.Ns, extra: am.Extra, deps: depsOf(rec, now, keep)}
		a.memo.Set(k, kn, now, seconds(res.ttl))
	}
	return a.write(ctx, state, kn)
}

// write sends the answer kn describes. Every answer gets its own records and slices:
// plugins above (dnssec, loadbalance, rewrite) append to and reorder what they are given.
func (a *Alias) write(ctx context.Context, state request.Request, kn known) (int, error) {
	m := new(dns.Msg)
	m.SetReply(state.Req)
	m.Authoritative = true
	m.Ns = slices.Clone(kn.ns)
	m.Extra = slices.Clone(kn.extra)
	result := "nodata"
	if !kn.nodata {
		result = "answer"
		m.Answer = make([]dns.RR, 0, len(kn.addrs))
		for _, rr := range kn.addrs {
			m.Answer = append(m.Answer, withHeader(rr, kn.owner, kn.ttl))
		}
	}
	lookupCount.WithLabelValues(metrics.WithServer(ctx), result).Inc()
	state.W.WriteMsg(m)
	return dns.RcodeSuccess, nil
}

// withHeader returns a copy of the address record rr with owner and ttl.
func withHeader(rr dns.RR, owner string, ttl uint32) dns.RR {
	hdr := dns.RR_Header{Name: owner, Rrtype: rr.Header().Rrtype, Class: dns.ClassINET, Ttl: ttl}
	switch x := rr.(type) {
	case *dns.A:
		return &dns.A{Hdr: hdr, A: x.A}
	case *dns.AAAA:
		return &dns.AAAA{Hdr: hdr, AAAA: x.AAAA}
	}
	c := dns.Copy(rr)
	*c.Header() = hdr
	return c
}

// Name implements plugin.Handler.
func (a *Alias) Name() string { return "alias" }

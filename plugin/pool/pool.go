// Package pool answers A, AAAA and CNAME queries at names that hold POOL records with one
// member of the pool, picked at random, as a CNAME, whichever data plugin holds the records.
package pool

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/pkg/upstream"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

var log = clog.NewWithPlugin("pool")

// Pool is the pool plugin.
type Pool struct {
	Next plugin.Handler

	zones    *chainlookup.Zones
	weighted bool
	health   *checker                 // nil without health checks
	up       func(target string) bool // health.up, or nil: every member is up
	upstream *upstream.Upstream

	memo       *chainlookup.Memo[*pool] // nil value: the name holds no POOL
	memoWindow time.Duration

	memberMetrics bool // member_picks_total: a series per pool and member
}

// ServeDNS implements plugin.Handler.
func (p *Pool) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	qtype := state.QType()
	switch qtype {
	case dns.TypeA, dns.TypeAAAA, dns.TypeCNAME:
	default:
		return plugin.NextOrFailure(p.Name(), p.Next, ctx, w, r)
	}
	if p.zones.Match(state.Name()) == "" {
		return plugin.NextOrFailure(p.Name(), p.Next, ctx, w, r)
	}

	k := chainlookup.MemoKey{Name: state.Name(), Qtype: qtype, Do: state.Do()}
	now := time.Now()
	pl, memoHit := p.memo.Get(k, now)
	if memoHit {
		// The memo is not stamped with the data it came from (answerdeps).
		answerdeps.From(ctx).Uncacheable()
	}
	if memoHit && pl != nil {
		memoHitCount.WithLabelValues(metrics.WithServer(ctx)).Inc()
		return p.answer(ctx, state, pl)
	}

	// As in alias: the data plugin answers first, only its NODATA is held back.
	hw := &chainlookup.HoldWriter{ResponseWriter: w}
	rcode, err := plugin.NextOrFailure(p.Name(), p.Next, ctx, hw, r)
	if hw.Held == nil {
		return rcode, err
	}
	if memoHit { // known to hold no POOL: the NODATA stands
		w.WriteMsg(hw.Held)
		return dns.RcodeSuccess, nil
	}

	pm := chainlookup.Lookup(ctx, p.Next, state, state.Name(), rrtypes.TypePOOL)
	if pm == nil || pm.Rcode != dns.RcodeSuccess || !hasPOOL(pm.Answer) {
		p.memo.Set(k, nil, now, p.memoWindow)
		w.WriteMsg(hw.Held)
		return dns.RcodeSuccess, nil
	}
	pl = &pool{rrs: pm.Answer, ns: pm.Ns, nodata: hw.Held, chased: map[string]chased{}}
	p.memo.Set(k, pl, now, p.memoWindow)
	return p.answer(ctx, state, pl)
}

// pool is what pool knows about one name for the memo window: its POOL records, the
// data plugin's NODATA for it, and the members' records as chased so far.
type pool struct {
	rrs    []dns.RR
	ns     []dns.RR // authority section of the POOL answer: the apex NS
	nodata *dns.Msg

	mu     sync.Mutex
	chased map[string]chased // by member target
}

// chased is the result of following one member, as file would add it to a CNAME answer.
type chased struct {
	answer []dns.RR
	rcode  int
	ns     []dns.RR // nil: the POOL answer's authority section
}

// hasPOOL reports whether rrs hold a POOL record with a member (an empty one, possible
// from the wire, is not a member).
func hasPOOL(rrs []dns.RR) bool { return sum(rrs, false, nil) > 0 }

// answer picks a member of pl and writes it as a CNAME, chased unless the query is for
// the CNAME itself.
func (p *Pool) answer(ctx context.Context, state request.Request, pl *pool) (int, error) {
	// Each answer is a new pick: an answer cache above must not freeze one.
	answerdeps.From(ctx).Uncacheable()
	chosen, allDown := pick(pl.rrs, p.weighted, p.up)
	member, ok := rrtypes.AsPOOL(chosen) // pl.rrs holds at least one member: always ok
	if !ok {
		state.W.WriteMsg(pl.nodata)
		return dns.RcodeSuccess, nil
	}
	owner := chosen.Header().Name

	server := metrics.WithServer(ctx)
	lookupCount.WithLabelValues(server).Inc()
	pickCount.WithLabelValues(server).Inc()
	if p.memberMetrics {
		memberPickCount.WithLabelValues(server, owner, member.Target).Inc()
	}
	if allDown {
		allDownCount.WithLabelValues(server).Inc()
		if p.memberMetrics {
			poolAllDownCount.WithLabelValues(server, owner).Inc()
		}
	}
	if p.health != nil {
		p.health.watch(pl.rrs, p.Next)
	}

	cname := &dns.CNAME{
		Hdr:    dns.RR_Header{Name: owner, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: chosen.Header().Ttl},
		Target: member.Target,
	}
	// Fresh slices for every answer: plugins above append to and reorder them.
	m := new(dns.Msg)
	m.SetReply(state.Req)
	m.Authoritative = true
	m.Answer = []dns.RR{cname}
	m.Ns = pl.ns

	if state.QType() != dns.TypeCNAME {
		pl.mu.Lock()
		c, ok := pl.chased[member.Target]
		pl.mu.Unlock()
		if !ok {
			c = p.chase(ctx, state, pl.nodata, member.Target)
			pl.mu.Lock()
			pl.chased[member.Target] = c
			pl.mu.Unlock()
		}
		m.Answer = append(m.Answer, c.answer...)
		m.Rcode = c.rcode
		if c.ns != nil {
			m.Ns = c.ns
		}
	}
	m.Ns = slices.Clone(m.Ns)
	w := state.W
	w.WriteMsg(m)
	return dns.RcodeSuccess, nil
}

// chase follows target the way the file plugin chases a CNAME, so that a pool answer is
// exactly what file answers for a CNAME at that name:
//   - a target in the pool's own zone is asked of the data plugin below, which follows
//     further CNAMEs itself; its rcode and, unless it is a NODATA (file keeps the apex NS
//     then), its authority section are the answer's;
//   - any other target is looked up through the whole server (plugin/pkg/upstream),
//     and mapped as file's doLookup maps it.
func (p *Pool) chase(ctx context.Context, state request.Request, nodata *dns.Msg, target string) chased {
	qtype := state.QType()
	soa := chainlookup.SOA(nodata)
	if chainlookup.InZone(soa.Hdr.Name, target) {
		sub := chainlookup.Lookup(ctx, p.Next, state, target, qtype)
		if sub == nil {
			return chased{}
		}
		c := chased{answer: sub.Answer, rcode: sub.Rcode}
		if !chainlookup.IsNoData(sub) {
			c.ns = sub.Ns
		}
		return c
	}

	// Through the whole server this may come back here (pools in two zones pointing at
	// each other): count the round trips as file does, and give up like file after 8.
	loop, _ := ctx.Value(dnsserver.LoopKey{}).(int)
	if loop > 8 {
		return chased{rcode: dns.RcodeServerFailure}
	}
	ctx = context.WithValue(ctx, dnsserver.LoopKey{}, loop+1)
	sub, err := p.upstream.Lookup(ctx, state, target, qtype)
	var c chased
	switch {
	case err != nil || (sub != nil && sub.Rcode == dns.RcodeServerFailure):
		c.rcode = dns.RcodeServerFailure
	case sub == nil:
		return c
	case sub.Rcode == dns.RcodeNameError:
		c.rcode = dns.RcodeNameError
		c.ns = nodata.Ns
	case sub.Rcode == dns.RcodeSuccess && len(sub.Answer) == 0:
		c.ns = nodata.Ns
	}
	if sub != nil {
		c.answer = sub.Answer
	}
	return c
}

// Name implements plugin.Handler.
func (p *Pool) Name() string { return "pool" }

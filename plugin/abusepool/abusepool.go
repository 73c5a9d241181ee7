// Package abusepool sees the attack, then blocks, limits or shunts it to an abuse pool:
// it records every query for top-N inspection, matches each against rules (from the
// Corefile, the HTTP API and dynamic thresholds, shared by a fleet through Redis) and
// drops, refuses, truncates, rate-limits or sends it to a named set of upstreams, before
// the plugins below spend anything on it. See README.md.
package abusepool

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/kernelfilter"
	"github.com/hostdns/hostdns/plugin/abusepool/ratelimit"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"

	"github.com/miekg/dns"
)

// AbusePool is the plugin: one per server block.
type AbusePool struct {
	Next plugin.Handler

	state     *state.State
	limiter   *ratelimit.Limiter
	inspector *inspect.Inspector
	kernel    *kernelfilter.Filter // nil without kernel_drop
	pools     map[string]*abusePool
	counters  actionCounters
	now       func() time.Time
}

// Name implements plugin.Handler.
func (a *AbusePool) Name() string { return "abusepool" }

// ServeDNS implements plugin.Handler: match the query against the rules, do what the
// first matching rule says (or pass it on), and record what happened.
func (a *AbusePool) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if len(r.Question) != 1 {
		// Not a query abusepool can judge; the plugins below answer FORMERR or the like.
		return plugin.NextOrFailure(a.Name(), a.Next, ctx, w, r)
	}
	q := rules.Query{Name: strings.ToLower(r.Question[0].Name), Addr: clientAddr(w), QType: r.Question[0].Qtype}
	if n := a.kernelSample(w); n > 0 {
		// One of the kernel's 1-in-n sample of a blocked source's packets: dropped as the
		// kernel drops the others, and recorded as n queries, so the inspection's rates
		// and the dynamic thresholds (which extend the source's rule while it goes on)
		// see the whole flood.
		a.counters.drop.Inc()
		a.inspector.RecordWeighted(inspect.Event{Name: q.Name, Client: q.Addr, QType: q.QType, Rcode: inspect.NoAnswer}, uint64(n))
		return dns.RcodeSuccess, nil
	}
	rule := a.state.Set().Match(q)
	if rule == nil {
		a.counters.pass.Inc()
		return a.pass(ctx, w, r, q)
	}
	action, limited := rule.Action, false
	if action == rules.RateLimit {
		if a.limiter.Allow(rule, q, a.now()) {
			a.counters.pass.Inc()
			return a.pass(ctx, w, r, q)
		}
		action, limited = rule.Limit.Then, true
	}
	if action == rules.Truncate && isTCP(w) {
		// The client did what TC asks of it (as dnsdist's TCAction, which leaves TCP
		// alone): over TCP it gets its answer.
		action = rules.Pass
	}
	if limited {
		a.counters.ratelimited.Inc()
	} else {
		a.counterOf(action).Inc()
	}
	return a.apply(ctx, action, rule.Pool, w, r, q)
}

// kernelSample is the sample at which the socket filter lets packets from w's client
// through, or 0 when it does not drop them. Only a UDP packet's own source counts: the filter
// is on the UDP sockets only, and sees a load balancer's address, not the client a PROXY
// header names (such a remote address is wrapped).
func (a *AbusePool) kernelSample(w dns.ResponseWriter) uint32 {
	if a.kernel == nil {
		return 0
	}
	ra, ok := w.RemoteAddr().(*net.UDPAddr)
	if !ok {
		return 0
	}
	return a.kernel.Sampled(ra.AddrPort().Addr().Unmap())
}

// apply does what a rule's action says to a query that matched it.
func (a *AbusePool) apply(ctx context.Context, action rules.Action, pool string, w dns.ResponseWriter, r *dns.Msg, q rules.Query) (int, error) {
	switch action {
	case rules.Drop:
		a.record(q, inspect.NoAnswer, 0)
		// Like acl's drop: nothing is written, and the server writes nothing either.
		return dns.RcodeSuccess, nil
	case rules.Refused:
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeRefused)
		return a.reply(w, r, q, m)
	case rules.Truncate:
		m := new(dns.Msg)
		m.SetReply(r)
		m.Truncated = true
		return a.reply(w, r, q, m)
	case rules.Pool:
		p, ok := a.pools[pool]
		if !ok {
			// A shared rule (Redis) naming a pool this node's Corefile no longer has: there
			// is nothing to shunt to, so the query is served as if no rule matched.
			return a.pass(ctx, w, r, q)
		}
		rcode, size := p.serve(ctx, w, r)
		a.record(q, rcode, size)
		return dns.RcodeSuccess, nil
	}
	return a.pass(ctx, w, r, q)
}

// pass sends the query down the chain with a recorder, and records what was answered.
func (a *AbusePool) pass(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, q rules.Query) (int, error) {
	rw := getRecorder(w)
	rcode, err := plugin.NextOrFailure(a.Name(), a.Next, ctx, rw, r)
	answered, size := rw.rcode, rw.bytes
	putRecorder(rw)
	if answered == inspect.NoAnswer && !plugin.ClientWrite(rcode) {
		// The server answers for the plugins below: with this rcode, and about a
		// header-and-question's size.
		answered, size = rcode, 12+len(r.Question[0].Name)+5
	}
	a.record(q, answered, size)
	return rcode, err
}

// reply writes m, the plugin's own answer (REFUSED, TC), with an OPT record when the
// query had one, and records it.
func (a *AbusePool) reply(w dns.ResponseWriter, r *dns.Msg, q rules.Query, m *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	state.SizeAndDo(m)
	w.WriteMsg(m)
	a.record(q, m.Rcode, m.Len())
	return dns.RcodeSuccess, nil
}

func (a *AbusePool) record(q rules.Query, rcode, size int) {
	a.inspector.Record(inspect.Event{Name: q.Name, Client: q.Addr, QType: q.QType, Rcode: rcode, Bytes: size})
}

func (a *AbusePool) counterOf(action rules.Action) interface{ Inc() } {
	switch action {
	case rules.Drop:
		return a.counters.drop
	case rules.Refused:
		return a.counters.refused
	case rules.Truncate:
		return a.counters.truncate
	case rules.Pool:
		return a.counters.pool
	}
	return a.counters.pass
}

// clientAddr is the client's address, without allocating: IPv4-mapped IPv6 addresses are
// unmapped so that an IPv4 CIDR matches them. Behind a load balancer speaking the PROXY
// protocol (the proxyproto plugin) it is the client the header names, as for every other
// plugin (request.Request unwraps the same way).
func clientAddr(w dns.ResponseWriter) netip.Addr {
	switch ra := remoteAddr(w).(type) {
	case *net.UDPAddr:
		return ra.AddrPort().Addr().Unmap()
	case *net.TCPAddr:
		return ra.AddrPort().Addr().Unmap()
	case nil:
		return netip.Addr{}
	default:
		if ap, err := netip.ParseAddrPort(ra.String()); err == nil {
			return ap.Addr().Unmap()
		}
		return netip.Addr{}
	}
}

func isTCP(w dns.ResponseWriter) bool {
	_, ok := remoteAddr(w).(*net.TCPAddr)
	return ok
}

// remoteAddr is w's remote address, unwrapped when it wraps the real one.
func remoteAddr(w dns.ResponseWriter) net.Addr {
	ra := w.RemoteAddr()
	if u, ok := ra.(interface{ Unwrap() net.Addr }); ok {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return ra
}

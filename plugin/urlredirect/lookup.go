package urlredirect

import (
	"context"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

// lookupTimeout bounds a lookup of the redirector in the chain below: the data plugins
// answer from memory, a slower answer means something is wrong.
const lookupTimeout = 2 * time.Second

// find returns the URL record of host (a fully qualified, lower-case name, see hostName),
// asked of the chain below exactly as a DNS client's URL query is, so the redirector serves
// what the DNS serves. What the chain said is remembered for the memo window (at most the
// record's TTL): a busy host costs one lookup per window, and a change to its record shows
// within the window after the data plugin has it.
func (r *Redirect) find(ctx context.Context, host string) *target {
	if r.zones.Match(host) == "" {
		return nil
	}
	k := chainlookup.MemoKey{Name: host, Qtype: rrtypes.TypeURL}
	now := time.Now()
	if u, ok := r.memo.Get(k, now); ok {
		return u
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	state := chainlookup.LocalRequest(host, rrtypes.TypeURL)
	m := chainlookup.Lookup(ctx, r.Next, state, host, rrtypes.TypeURL)
	rr := urlRR(m, host)
	if rr == nil {
		r.memo.Set(k, nil, now, r.memoWindow)
		return nil
	}
	u, _ := rrtypes.AsURL(rr)
	t := parseTarget(u)
	r.memo.Set(k, t, now, time.Duration(rr.Header().Ttl)*time.Second)
	return t
}

// Allowed reports whether host (with or without the final dot, any case, an optional
// port) holds a URL record served here. A certificate source issuing certificates on
// demand asks it before it asks a CA.
func (r *Redirect) Allowed(ctx context.Context, host string) bool {
	name, ok := hostName(host)
	return ok && r.find(ctx, name) != nil
}

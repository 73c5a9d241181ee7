package sqlbackend

import (
	"context"
	"sync"
	"time"

	"github.com/coredns/coredns/plugin/pkg/upstream"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

// up resolves CNAME targets outside every zone served, as the file plugin
// does: through the server's own plugin chain.
var up = upstream.New()

// chasers recycles chasers: one is needed for every lookup, most of which
// never use it, and a new one for each would be garbage at every query.
var chasers = sync.Pool{New: func() any { return new(chaser) }}

// lookup answers q from z, with a chaser for the chains that leave it.
func (b *SQLBackend) lookup(ctx context.Context, src *source, state request.Request, z *zone.Zone, q zone.Query) zone.Answer {
	c := chasers.Get().(*chaser)
	*c = chaser{ctx: ctx, b: b, src: src, state: state}
	a := z.Lookup(ctx, q, c)
	*c = chaser{} // holds no request or context while pooled
	chasers.Put(c)
	return a
}

// chaser gives a lookup's CNAME chain the other zones of this block
// (zone.Chaser): a chain into a zone served here goes on there, one leaving
// them all goes through up.
type chaser struct {
	ctx   context.Context
	b     *SQLBackend
	src   *source
	state request.Request
}

// Zone implements zone.Chaser. A zone that cannot be loaded now (cold, with
// the database down) is treated as not served: the chain goes upstream.
func (c *chaser) Zone(name string) *zone.Zone {
	origin, z, err := c.src.zones.Match(c.ctx, name)
	if err != nil || z == nil || c.b.Origins.Match(origin) == "" {
		return nil
	}
	return z
}

// External implements zone.Chaser.
func (c *chaser) External(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	m, err := up.Lookup(ctx, c.state, name, qtype)
	limitByTTL(answerdeps.From(ctx), m, err)
	return m, err
}

// limitByTTL keeps an answer cache from holding an answer that ends in
// records from outside our zones longer than their TTL: nothing tells us when
// they change. A chain into another block's sqlbackend zones is stamped by that
// block (the lookup passes the cache above it as a nested request).
func limitByTTL(rec *answerdeps.Recorder, m *dns.Msg, err error) {
	if rec == nil {
		return
	}
	if err != nil || m == nil {
		rec.Uncacheable()
		return
	}
	ttl := uint32(0)
	first := true
	for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
		for _, rr := range sec {
			if t := rr.Header().Ttl; first || t < ttl {
				ttl, first = t, false
			}
		}
	}
	if first {
		rec.Uncacheable() // nothing to bound it by
		return
	}
	rec.Expire(time.Duration(ttl) * time.Second)
}

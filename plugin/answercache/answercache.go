// Package answercache is a packed-answer cache at the top of the data plugins: it keeps
// the wire bytes of answers together with what they depend on (plugin/pkg/answerdeps), and
// serves a hit by copying the bytes and patching the ID, RD and the question's case,
// without allocating. An answer is dropped exactly when data it depends on changes.
package answercache

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"

	"github.com/miekg/dns"
)

const name = "answercache"

var log = clog.NewWithPlugin(name)

// Cache is the answercache plugin.
type Cache struct {
	Next plugin.Handler

	zones     []string
	size      int
	maxAge    time.Duration
	admission bool

	store   *store
	clock   *clock
	seed    maphash.Seed
	metrics metricSet
	scratch sync.Pool

	// slowHits: a plugin above rewrites answers in WriteMsg, so hits are unpacked and
	// written with WriteMsg (allocating) instead of as bytes. Set at startup.
	slowHits bool
	// files reports for the zones of the stock file and auto plugins of the block, nil
	// when there are none or another plugin below could answer. Set at startup.
	files *fileZones
	// fast is the fast path of each server the block listens on (fastpath), or nil.
	fast *fastPaths
}

// scratch is the per-request memory, pooled so a hit allocates nothing.
type scratch struct {
	key  [keyMax]byte
	buf  []byte // a hit's answer, sized for the largest entry
	meta entryMeta
	rec  answerdeps.Recorder
	cw   capture
}

func newCache(zones []string, size int, maxAge time.Duration, admission bool) *Cache {
	c := &Cache{zones: zones, size: size, maxAge: maxAge, admission: admission, seed: maphash.MakeSeed()}
	c.store = newStore(size, admission)
	c.clock = newClock()
	c.scratch.New = func() any {
		return &scratch{buf: make([]byte, c.store.maxEntry), cw: capture{buf: make([]byte, 0, 4096)}}
	}
	return c
}

// Name implements plugin.Handler.
func (c *Cache) Name() string { return name }

// ServeDNS implements plugin.Handler.
func (c *Cache) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if c.fast != nil {
		c.fast.ensure(ctx, w)
	}
	sc := c.scratch.Get().(*scratch)
	defer c.putScratch(sc)

	k, why := buildKey(sc.key[:0], w, r)
	if why != reasonNone {
		c.metrics.get(metrics.WithServer(ctx)).bypass[why].Inc()
		return plugin.NextOrFailure(name, c.Next, ctx, w, r)
	}
	if !inZones(k.name, c.zones) {
		return plugin.NextOrFailure(name, c.Next, ctx, w, r)
	}
	m := c.metrics.get(metrics.WithServer(ctx))
	h := maphash.Bytes(c.seed, k.b)
	outer := answerdeps.From(ctx)
	now := c.clock.Now()
	n, res := c.store.get(h, k.b, now, sc.buf, &sc.meta, outer == nil)
	if res == resHit {
		m.hits.Inc()
		if sc.meta.evicted > 0 {
			m.evictions.Add(float64(sc.meta.evicted))
		}
		if outer != nil {
			merge(outer, &sc.meta, now)
		}
		return c.writeHit(w, r, sc.buf[:n], sc.meta.rcode, k.patchCase, !asBytes(ctx, sc.meta.rcode, outer))
	}
	m.misses.Inc()
	if res == resStale {
		m.invalidations.Inc()
	}
	if outer != nil {
		// A nested request (a CNAME target asked through the chain): the outer answer is
		// what gets stored, with what this one depended on.
		if c.files != nil {
			c.files.report(outer, k.name)
		}
		return plugin.NextOrFailure(name, c.Next, ctx, w, r)
	}
	rec := &sc.rec
	rec.Reset()
	if c.files != nil {
		c.files.report(rec, k.name) // before file reads the zone
	}
	ctx = answerdeps.With(ctx, rec)
	if res == resReject || res == resCollide {
		if res == resReject {
			m.rejects.Inc()
		}
		return plugin.NextOrFailure(name, c.Next, ctx, w, r)
	}
	cw := &sc.cw
	cw.reset(w, r)
	rcode, err := plugin.NextOrFailure(name, c.Next, ctx, cw, r)
	if cw.n == 1 && cw.ok && rec.Cacheable() && (cw.rcode == dns.RcodeSuccess || cw.rcode == dns.RcodeNameError) {
		age := c.maxAge
		if t := rec.TTL(); t > 0 && t < age {
			age = t
		}
		// The stored answer keeps the ID of this request; hits patch it.
		evicted := c.store.put(h, k.b, cw.buf, cw.rcode, rec.Stamps(), now+int64(age))
		m.stores.Inc()
		if evicted > 0 {
			m.evictions.Add(float64(evicted))
		}
	}
	cw.reset(nil, nil)
	return rcode, err
}

// writeHit patches the stored answer for r and writes it: as bytes, or as a message when
// asMessage (see asBytes) or a plugin above rewrites answers in WriteMsg (slowHits).
func (c *Cache) writeHit(w dns.ResponseWriter, r *dns.Msg, buf []byte, rcode int, patchCase, asMessage bool) (int, error) {
	buf[0], buf[1] = byte(r.Id>>8), byte(r.Id)
	if r.RecursionDesired {
		buf[2] |= 1
	} else {
		buf[2] &^= 1
	}
	if patchCase {
		patchName(buf, r.Question[0].Name)
	}
	if c.slowHits || asMessage {
		m := new(dns.Msg)
		if err := m.Unpack(buf); err != nil {
			return dns.RcodeServerFailure, plugin.Error(name, err)
		}
		if err := w.WriteMsg(m); err != nil {
			return dns.RcodeServerFailure, plugin.Error(name, err)
		}
		return rcode, nil
	}
	if _, err := w.Write(buf); err != nil {
		return dns.RcodeServerFailure, plugin.Error(name, err)
	}
	return rcode, nil
}

// merge adds what a hit depended on to the recorder of the outer request.
func merge(outer *answerdeps.Recorder, meta *entryMeta, now int64) {
	outer.Serve(answerdeps.Stamp{}) // the hit was served from guarded data
	for _, s := range meta.stamps[:meta.n] {
		outer.Depend(s)
	}
	outer.Expire(time.Duration(meta.expiry - now))
}

func (c *Cache) putScratch(sc *scratch) {
	if cap(sc.cw.buf) > dns.MaxMsgSize+1 {
		sc.cw.buf = make([]byte, 0, 4096)
	}
	sc.cw.buf = sc.cw.buf[:0]
	c.scratch.Put(sc)
}

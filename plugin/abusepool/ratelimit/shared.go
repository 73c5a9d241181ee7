package ratelimit

import (
	"sync"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// staleAfter is how long others' counts stand without a sync: past it Redis is taken to
// be unreachable and the limit applies to this node's own count alone.
const staleAfter = 2 * time.Second

// counter is one key's count for the current second, with Redis: this node's own count,
// the part of it not yet sent, and the rest of the fleet's count as of the last sync.
//
// At a new second the others' count of the second before is kept as the guess for this
// one until the first sync replaces it: starting every second at zero would let each node
// admit a whole second's limit before it hears from the others.
type counter struct {
	redisKey string // prefix + "rl:" + rule + ":" + key, without the second

	mu       sync.Mutex
	sec      int64     // the Unix second counted
	seen     time.Time // the latest now Allow was given: the clock othersAt is on
	own      int64     // admitted here this second
	pending  int64     // admitted here and not yet sent
	synced   int64     // sent to Redis this second
	others   int64     // the fleet's count minus ours, at the last sync
	othersAt time.Time // when (on Allow's clock) others was read from Redis
	queued   bool      // in Limiter.active
}

// allowShared admits while this node's count plus the others' this second is below
// QPS+Burst.
func (l *Limiter) allowShared(lim *rules.Limit, k key, now time.Time) bool {
	c := l.counterFor(k)
	sec := now.Unix()
	if sec > l.latestSec.Load() {
		l.latestSec.Store(sec) // a race between seconds only delays forgetting a counter
	}

	c.mu.Lock()
	if sec > c.sec { // a new second; a late caller with an older now counts in the current one
		c.sec, c.own, c.pending, c.synced = sec, 0, 0, 0
	}
	if now.After(c.seen) {
		c.seen = now
	}
	others := c.others
	if now.Sub(c.othersAt) > staleAfter {
		others = 0
	}
	ok := float64(c.own+others) < lim.QPS+float64(lim.Burst)
	if ok {
		c.own++
		c.pending++
	}
	enqueue := !c.queued
	c.queued = true
	c.mu.Unlock()

	if enqueue && !l.enqueue(c) {
		c.mu.Lock()
		c.queued = false // try again on its next query
		c.mu.Unlock()
	}
	return ok
}

// enqueue adds c to the counters the sync loop looks at, unless MaxKeys are already
// there: under a flood from random sources the list would otherwise hold every key of
// the last seconds, however small the LRU.
func (l *Limiter) enqueue(c *counter) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.active) >= l.opts.MaxKeys {
		return false
	}
	l.active = append(l.active, c)
	return true
}

// counterFor returns k's counter, making it on first use.
func (l *Limiter) counterFor(k key) *counter {
	if c, ok := l.counters.Get(k); ok {
		return c
	}
	fresh := &counter{redisKey: l.opts.Prefix + "rl:" + k.String()}
	c, found, _ := l.counters.PeekOrAdd(k, fresh)
	if found {
		return c
	}
	keysTracked.Inc()
	return fresh
}

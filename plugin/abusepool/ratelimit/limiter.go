// Package ratelimit limits queries per rule and per key (client, subnet or name): with
// token buckets on each node, or, with Redis, against a fleet-wide count per second.
package ratelimit

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

var log = clog.NewWithPlugin("abusepool")

// Defaults for Options.
const (
	DefaultMaxKeys = 100000
	DefaultSync    = 100 * time.Millisecond
)

// Options configure a Limiter.
type Options struct {
	MaxKeys int                   // keys tracked at most, least recently used dropped first; default 100000
	Redis   redis.UniversalClient // nil: limits are per node
	Prefix  string                // starts every Redis key
	Sync    time.Duration         // how often counts are exchanged with Redis; default 100ms
}

// Limiter decides whether a query is within its rule's limit. Safe for concurrent use.
type Limiter struct {
	opts Options

	buckets  *lru.Cache[key, *rate.Limiter] // without Redis
	counters *lru.Cache[key, *counter]      // with Redis

	mu     sync.Mutex
	active []*counter // counters used lately: what the sync loop sends

	latestSec atomic.Int64 // the newest second Allow has seen

	startOnce, stopOnce sync.Once
	started             bool // set under startOnce
	stop                chan struct{}
	done                chan struct{}
	redisDown           bool // owned by the sync loop
}

// New returns a Limiter; call Start to share counts through Redis.
func New(o Options) *Limiter {
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.Sync <= 0 {
		o.Sync = DefaultSync
	}
	l := &Limiter{opts: o, stop: make(chan struct{}), done: make(chan struct{})}
	// New only fails for a size ≤ 0, which the default rules out.
	if o.Redis == nil {
		l.buckets, _ = lru.NewWithEvict(o.MaxKeys, func(key, *rate.Limiter) { keysTracked.Dec() })
	} else {
		l.counters, _ = lru.NewWithEvict(o.MaxKeys, func(key, *counter) { keysTracked.Dec() })
	}
	return l
}

// Allow reports whether a query q at now is within rule r's limit, and counts it if so.
// A rule without a Limit allows everything.
func (l *Limiter) Allow(r *rules.Rule, q rules.Query, now time.Time) bool {
	if r == nil || r.Limit == nil {
		return true
	}
	k := keyFor(r, q)
	if l.counters != nil {
		return l.allowShared(r.Limit, k, now)
	}
	return l.allowLocal(r.Limit, k, now)
}

// allowLocal takes a token from the key's bucket.
func (l *Limiter) allowLocal(lim *rules.Limit, k key, now time.Time) bool {
	b, ok := l.buckets.Get(k)
	if !ok {
		fresh := rate.NewLimiter(rate.Limit(lim.QPS), lim.Burst)
		var found bool
		if b, found, _ = l.buckets.PeekOrAdd(k, fresh); !found {
			b = fresh
			keysTracked.Inc()
		}
	}
	// The rule may have been changed (same id, new limit) since the bucket was made.
	if b.Limit() != rate.Limit(lim.QPS) {
		b.SetLimitAt(now, rate.Limit(lim.QPS))
	}
	if b.Burst() != lim.Burst {
		b.SetBurstAt(now, lim.Burst)
	}
	return b.AllowN(now, 1)
}

// Start starts the loop that shares counts through Redis; without Redis it does nothing.
func (l *Limiter) Start() {
	if l.opts.Redis == nil {
		return
	}
	l.startOnce.Do(func() {
		l.started = true
		go l.syncLoop()
	})
}

// Stop stops the sync loop, waits for it, and forgets every key.
func (l *Limiter) Stop() {
	l.stopOnce.Do(func() {
		close(l.stop)
		l.startOnce.Do(func() {}) // a Start after Stop must not start the loop
		if l.started {
			<-l.done
		}
		if l.buckets != nil {
			l.buckets.Purge()
		}
		if l.counters != nil {
			l.counters.Purge()
		}
	})
}

package inspect

import (
	"sync"
	"sync/atomic"
	"time"
)

// Inspector counts events into rotating buckets of Space-Saving summaries. Record only queues
// an event; one aggregator goroutine (Start) does the counting, so the query path never waits
// for a lock or allocates.
type Inspector struct {
	cfg   Config
	width int64 // a bucket's width in nanoseconds
	queue chan item

	unsampled atomic.Uint64 // events Record had no room for, not yet put in a bucket
	every     atomic.Uint64 // k: Record queues one event in every k (sample.go)
	sample    sampler       // the aggregator's count of the current second, for k

	mu      sync.Mutex // guards buckets; held by the aggregator per batch and by queries
	buckets []*bucket

	runMu   sync.Mutex // guards running, stop and done
	running bool
	stop    chan struct{}
	done    chan struct{}
}

// New returns an inspector with c's zero fields defaulted. Call Start to begin counting.
func New(c Config) *Inspector {
	c = c.withDefaults()
	i := &Inspector{cfg: c, width: int64(c.bucketWidth()), queue: make(chan item, c.Queue)}
	i.every.Store(1)
	for range c.Buckets {
		i.buckets = append(i.buckets, newBucket(c))
	}
	return i
}

// Config is the configuration in use, defaults filled in.
func (i *Inspector) Config() Config { return i.cfg }

// window clamps a query's window: 0 means the configured one. It returns the number of
// buckets to merge and the time they span.
func (i *Inspector) window(w time.Duration) (int, time.Duration) {
	if w <= 0 {
		w = i.cfg.Window
	}
	n := int((int64(w) + i.width - 1) / i.width)
	n = min(max(n, 1), len(i.buckets))
	return n, time.Duration(int64(n) * i.width)
}

// inWindow lists the buckets holding the last n slices of time up to now. Callers hold mu.
func (i *Inspector) inWindow(n int) []*bucket {
	now := i.cfg.Now().UnixNano() / i.width
	var bs []*bucket
	for _, b := range i.buckets {
		if b.epoch >= 0 && b.epoch > now-int64(n) && b.epoch <= now {
			bs = append(bs, b)
		}
	}
	return bs
}

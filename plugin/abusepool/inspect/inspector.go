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

	mu      sync.Mutex // guards buckets; held by the aggregator per batch and by queries
	buckets []*bucket

	runMu   sync.Mutex // guards running, stop and done
	running bool
	stop    chan struct{}
	done    chan struct{}
}

// item is what the queue carries: an event and when it was recorded, or a Flush's marker.
type item struct {
	event   Event
	at      int64         // unix nanoseconds
	flushed chan struct{} // set for a Flush marker: closed once every earlier item is counted
}

// batch is how many queued events the aggregator counts per taking of the lock, so queries
// get in between during a flood.
const batch = 256

// New returns an inspector with c's zero fields defaulted. Call Start to begin counting.
func New(c Config) *Inspector {
	c = c.withDefaults()
	i := &Inspector{cfg: c, width: int64(c.bucketWidth()), queue: make(chan item, c.Queue)}
	for range c.Buckets {
		i.buckets = append(i.buckets, newBucket(c))
	}
	return i
}

// Config is the configuration in use, defaults filled in.
func (i *Inspector) Config() Config { return i.cfg }

// Record queues e for counting without ever blocking: when the queue is full the event is
// only counted as unsampled. It does not allocate. A full queue is seen before the clock is
// read, so an overwhelmed aggregator makes Record cheaper, not dearer.
func (i *Inspector) Record(e Event) {
	if len(i.queue) == cap(i.queue) {
		i.unsampled.Add(1)
		return
	}
	i.RecordAt(e, i.cfg.Now())
}

// RecordAt is Record for a caller that has read the clock already (the handler does, for the
// rate limiter), saving a second read.
func (i *Inspector) RecordAt(e Event, at time.Time) {
	select {
	case i.queue <- item{event: e, at: at.UnixNano()}:
	default:
		i.unsampled.Add(1)
	}
}

// Start starts the aggregator goroutine. Starting a running inspector does nothing.
func (i *Inspector) Start() {
	i.runMu.Lock()
	defer i.runMu.Unlock()
	if i.running {
		return
	}
	i.running = true
	i.stop = make(chan struct{})
	i.done = make(chan struct{})
	go i.aggregate(i.stop, i.done)
}

// Stop stops the aggregator and waits for it to end. Events still queued stay queued; Flush
// counts them.
func (i *Inspector) Stop() {
	i.runMu.Lock()
	defer i.runMu.Unlock()
	if !i.running {
		return
	}
	close(i.stop)
	<-i.done
	i.running = false
}

// Flush returns once every event recorded before the call is counted.
func (i *Inspector) Flush() {
	i.runMu.Lock()
	if !i.running {
		// No aggregator: count what is queued here, under runMu so Start waits for it.
		defer i.runMu.Unlock()
		i.mu.Lock()
		defer i.mu.Unlock()
		for {
			select {
			case it := <-i.queue:
				i.count(&it)
			default:
				i.takeUnsampled()
				return
			}
		}
	}
	i.runMu.Unlock()
	// The aggregator runs until Stop, and Stop drains nothing, so a marker sent now is reached
	// unless Stop comes first; then the caller raced Stop and gets what was counted.
	marker := item{flushed: make(chan struct{})}
	select {
	case i.queue <- marker:
	case <-i.doneChan():
		return
	}
	select {
	case <-marker.flushed:
	case <-i.doneChan():
	}
}

func (i *Inspector) doneChan() chan struct{} {
	i.runMu.Lock()
	defer i.runMu.Unlock()
	return i.done
}

// aggregate counts queued events until stop is closed.
func (i *Inspector) aggregate(stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case it := <-i.queue:
			i.mu.Lock()
			i.count(&it)
			for range batch - 1 {
				select {
				case it = <-i.queue:
					i.count(&it)
					continue
				default:
				}
				break
			}
			i.takeUnsampled()
			i.mu.Unlock()
		}
	}
}

// count puts one item in its bucket, rotating the bucket when it held an older slice of time.
// Events older than the window are ignored. Callers hold mu.
func (i *Inspector) count(it *item) {
	if it.flushed != nil {
		close(it.flushed)
		return
	}
	if b := i.bucketAt(it.at); b != nil {
		b.add(&it.event)
	}
}

// bucketAt is the bucket for unix nanoseconds at, reset if it held another slice; nil when
// at is too old for the window. Callers hold mu.
func (i *Inspector) bucketAt(at int64) *bucket {
	epoch := at / i.width
	b := i.buckets[epoch%int64(len(i.buckets))]
	switch {
	case b.epoch == epoch:
		return b
	case b.epoch > epoch && b.epoch <= i.cfg.Now().UnixNano()/i.width:
		return nil // older than the window
	}
	// A newer slice is replaced, and so is a "newer" one from the future: the clock stepped
	// back, and keeping it would throw away every event until the clock caught up.
	b.reset(epoch)
	return b
}

// takeUnsampled moves the count of events Record dropped into the current bucket. Callers
// hold mu.
func (i *Inspector) takeUnsampled() {
	if n := i.unsampled.Swap(0); n > 0 {
		if b := i.bucketAt(i.cfg.Now().UnixNano()); b != nil {
			b.unsampled += n
		}
	}
}

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

// Time helpers for tests that drive the clock: a bucket's width.
func (i *Inspector) bucketWidth() time.Duration { return time.Duration(i.width) }

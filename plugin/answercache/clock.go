package answercache

import (
	"sync"
	"sync/atomic"
	"time"
)

// clock is a coarse clock: one goroutine stores the time every tick, so that a hit reads
// an atomic instead of calling time.Now. Expiry is only as exact as the tick, which is
// far below any TTL it enforces.
type clock struct {
	now  atomic.Int64
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

const tick = 100 * time.Millisecond

func newClock() *clock {
	c := &clock{stop: make(chan struct{})}
	c.now.Store(time.Now().UnixNano())
	return c
}

// start ticks until stop; each tick also calls fn (the gauges), if not nil.
func (c *clock) start(fn func()) {
	c.done.Add(1)
	go func() {
		defer c.done.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		n := 0
		for {
			select {
			case <-c.stop:
				return
			case now := <-t.C:
				c.now.Store(now.UnixNano())
				if n++; n%10 == 0 && fn != nil {
					fn()
				}
			}
		}
	}()
}

// halt stops the goroutine and waits for it; safe to call more than once, and without start.
func (c *clock) halt() {
	c.once.Do(func() { close(c.stop) })
	c.done.Wait()
}

func (c *clock) Now() int64 { return c.now.Load() }

// set is for tests: they move the clock instead of sleeping.
func (c *clock) set(t time.Time) { c.now.Store(t.UnixNano()) }

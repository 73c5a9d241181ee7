package autocert

import (
	"sync"
	"time"
)

// limiter allows at most n events in any sliding window: it remembers the times of the
// last n allowed events, and allows one more only when the oldest left the window. A
// sliding window, not a fixed minute, so no burst of 2n fits across a minute's edge.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	times  []time.Time // ring of the last len(times) allowed events
	next   int         // oldest entry, overwritten next
	now    func() time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{window: window, times: make([]time.Time, n), now: time.Now}
}

// allow reports whether one more event fits, and if so counts it.
func (l *limiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	oldest := l.times[l.next]
	if !oldest.IsZero() && now.Sub(oldest) < l.window {
		return false
	}
	l.times[l.next] = now
	l.next = (l.next + 1) % len(l.times)
	return true
}

package autocert

import (
	"testing"
	"time"
)

func TestLimiterSlidingWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := newLimiter(3, time.Minute)
	l.now = func() time.Time { return now }

	step := func(d time.Duration, want bool) {
		t.Helper()
		now = now.Add(d)
		if got := l.allow(); got != want {
			t.Fatalf("at %s: allow() = %v, want %v", now.Format("15:04:05"), got, want)
		}
	}
	step(0, true)               // 12:00:00
	step(10*time.Second, true)  // 12:00:10
	step(10*time.Second, true)  // 12:00:20: three in the window
	step(10*time.Second, false) // 12:00:30: a fourth is refused
	step(29*time.Second, false) // 12:00:59: the first is still inside
	step(time.Second, true)     // 12:01:00: the first left; this takes its place
	step(0, false)              // still three (12:00:10, 12:00:20, 12:01:00)
	step(10*time.Second, true)  // 12:01:10: 12:00:10 left
	step(10*time.Minute, true)  // long after: the whole budget again,
	step(0, true)               //
	step(0, true)               // three at once,
	step(0, false)              // and no more
}

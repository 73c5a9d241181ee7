package ratelimit

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// admittedConcurrently has 8 goroutines ask 100 times each at the same instant and
// returns how many were admitted: never more than the limit, however they interleave.
func admittedConcurrently(l *Limiter, r *rules.Rule) int64 {
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if l.Allow(r, query("x.", "192.0.2.1"), t0) {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return admitted.Load()
}

func TestConcurrentLocal(t *testing.T) {
	if got := admittedConcurrently(New(Options{}), limitRule("r", 1, 250, rules.PerClient)); got != 250 {
		t.Errorf("%d admitted, want the burst 250", got)
	}
}

func TestConcurrentShared(t *testing.T) {
	l := New(Options{Redis: unreachableRedis(t)})
	if got := admittedConcurrently(l, limitRule("r", 50, 200, rules.PerClient)); got != 250 {
		t.Errorf("%d admitted, want QPS+Burst 250", got)
	}
	if len(l.active) != 1 {
		t.Errorf("%d counters queued for sync, want 1", len(l.active))
	}
}

func BenchmarkAllowShared(b *testing.B) {
	l := New(Options{Redis: unreachableRedis(b)})
	r := limitRule("r", 1e9, 1e6, rules.PerClient)
	q := query("x.", "192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		l.Allow(r, q, t0)
	}
}

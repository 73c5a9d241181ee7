package ratelimit

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

// unreachableRedis is a client for a port nothing listens on: these tests need no server.
func unreachableRedis(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSharedOwnWindow(t *testing.T) {
	l := New(Options{Redis: unreachableRedis(t)})
	r := limitRule("r", 2, 3, rules.PerClient)
	q := query("x.", "192.0.2.1")
	if got := allowed(l, r, q, t0, 10); got != 5 {
		t.Fatalf("first second: %d allowed, want QPS+Burst = 5", got)
	}
	if got := allowed(l, r, q, t0.Add(999*time.Millisecond), 10); got != 0 {
		t.Fatalf("same second: %d allowed, want 0", got)
	}
	if got := allowed(l, r, q, t0.Add(time.Second), 10); got != 5 {
		t.Fatalf("next second: %d allowed, want 5", got)
	}
}

func TestSharedOthersGuessAndAgeOut(t *testing.T) {
	l := New(Options{Redis: unreachableRedis(t)})
	r := limitRule("r", 5, 5, rules.PerClient)
	q := query("x.", "192.0.2.1")
	l.Allow(r, q, t0)
	c := l.counterFor(keyFor(r, q))
	c.mu.Lock()
	c.others, c.othersAt = 9, t0 // as a sync at t0 would leave it
	c.mu.Unlock()
	if got := allowed(l, r, q, t0.Add(500*time.Millisecond), 10); got != 0 {
		t.Fatalf("with the fleet at the limit: %d allowed, want 0", got)
	}
	// The next second starts from the others' last count, not from zero.
	if got := allowed(l, r, q, t0.Add(1500*time.Millisecond), 10); got != 1 {
		t.Fatalf("next second, others guessed at 9: %d allowed, want 1", got)
	}
	// No sync for over 2s: the others' count is stale and only this node's own counts.
	if got := allowed(l, r, q, t0.Add(2100*time.Millisecond), 20); got != 10 {
		t.Fatalf("with the others' count stale: %d allowed, want 10", got)
	}
}

func TestSyncFailureKeepsCounts(t *testing.T) {
	l := New(Options{Redis: unreachableRedis(t)})
	r := limitRule("r", 100, 100, rules.PerName)
	q := query("x.example.", "192.0.2.1")
	allowed(l, r, q, time.Now(), 7)
	errs := testutil.ToFloat64(redisErrors)
	l.sync()
	if testutil.ToFloat64(redisErrors) != errs+1 {
		t.Error("the failed sync was not counted")
	}
	c := l.counterFor(keyFor(r, q))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending != 7 || c.synced != 0 {
		t.Errorf("after a failed sync pending=%d synced=%d, want 7 and 0", c.pending, c.synced)
	}
	if c.redisKey != "rl:r:x.example." {
		t.Errorf("redis key %q", c.redisKey)
	}
}

func TestBusiestCapsAndForgets(t *testing.T) {
	l := New(Options{Redis: unreachableRedis(t)})
	r := limitRule("r", 1e6, 1e6, rules.PerName)
	old := t0.Add(-10 * time.Second)
	l.Allow(r, query("old.", "192.0.2.1"), old)
	for i := range maxSyncKeys + 5 {
		q := query("n"+strconv.Itoa(i)+".", "192.0.2.1")
		allowed(l, r, q, t0, 1+i%3)
	}
	cands := l.busiest()
	if len(cands) != maxSyncKeys {
		t.Fatalf("%d keys to send, want %d", len(cands), maxSyncKeys)
	}
	if cands[0].pending != 3 || cands[len(cands)-1].pending < 1 {
		t.Errorf("not busiest first: first %d, last %d", cands[0].pending, cands[len(cands)-1].pending)
	}
	if len(l.active) != maxSyncKeys+5 {
		t.Errorf("%d counters stay active, want %d (the old one forgotten)", len(l.active), maxSyncKeys+5)
	}
}

func TestStopWaitsForSyncLoop(t *testing.T) {
	l := New(Options{Redis: unreachableRedis(t), Sync: time.Millisecond})
	l.Start()
	l.Start()
	l.Stop()
	select {
	case <-l.done:
	default:
		t.Fatal("Stop returned before the sync loop ended")
	}
	l.Stop()
	New(Options{Redis: unreachableRedis(t)}).Stop() // never started: must not block
}

func TestSharedActiveBounded(t *testing.T) {
	l := New(Options{Redis: unreachableRedis(t), MaxKeys: 10})
	r := limitRule("r", 1, 1, rules.PerClient)
	for i := range 50 {
		l.Allow(r, rules.Query{Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})}, t0)
	}
	if n, m := len(l.active), l.counters.Len(); n != 10 || m != 10 {
		t.Errorf("%d counters queued for sync and %d tracked, want 10 and 10", n, m)
	}
}

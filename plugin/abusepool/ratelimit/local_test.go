package ratelimit

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

var t0 = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

func limitRule(id string, qps float64, burst int, per rules.Key) *rules.Rule {
	return &rules.Rule{ID: id, Match: rules.Match{Suffix: "."}, Action: rules.RateLimit,
		Limit: &rules.Limit{QPS: qps, Burst: burst, Per: per, Then: rules.Drop}}
}

func query(name, addr string) rules.Query {
	return rules.Query{Name: name, Addr: netip.MustParseAddr(addr), QType: 1}
}

// allowed counts how many of n queries at now are allowed.
func allowed(l *Limiter, r *rules.Rule, q rules.Query, now time.Time, n int) int {
	ok := 0
	for range n {
		if l.Allow(r, q, now) {
			ok++
		}
	}
	return ok
}

func TestLocalBurstThenRate(t *testing.T) {
	l := New(Options{})
	r := limitRule("r", 10, 5, rules.PerClient)
	q := query("a.example.", "192.0.2.1")
	if got := allowed(l, r, q, t0, 20); got != 5 {
		t.Fatalf("burst: %d allowed, want 5", got)
	}
	// 10 qps: after 300ms three tokens are back.
	if got := allowed(l, r, q, t0.Add(300*time.Millisecond), 20); got != 3 {
		t.Fatalf("after 300ms: %d allowed, want 3", got)
	}
	// After a long pause the bucket is full again, not fuller.
	if got := allowed(l, r, q, t0.Add(time.Hour), 20); got != 5 {
		t.Fatalf("after an hour: %d allowed, want 5", got)
	}
}

func TestLocalKeys(t *testing.T) {
	cases := []struct {
		per     rules.Key
		a, b    rules.Query
		sameKey bool
	}{
		{rules.PerClient, query("x.", "192.0.2.1"), query("y.", "192.0.2.1"), true},
		{rules.PerClient, query("x.", "192.0.2.1"), query("x.", "192.0.2.2"), false},
		{rules.PerClient, query("x.", "192.0.2.1"), query("x.", "::ffff:192.0.2.1"), true},
		{rules.PerSubnet, query("x.", "192.0.2.1"), query("x.", "192.0.2.254"), true},
		{rules.PerSubnet, query("x.", "192.0.2.1"), query("x.", "192.0.3.1"), false},
		{rules.PerSubnet, query("x.", "2001:db8:0:1ff::1"), query("x.", "2001:db8:0:100::2"), true},
		{rules.PerSubnet, query("x.", "2001:db8:0:100::1"), query("x.", "2001:db8:0:200::1"), false},
		{rules.PerName, query("x.example.", "192.0.2.1"), query("x.example.", "198.51.100.1"), true},
		{rules.PerName, query("x.example.", "192.0.2.1"), query("y.example.", "192.0.2.1"), false},
	}
	for _, c := range cases {
		l := New(Options{})
		r := limitRule("r", 1, 2, c.per)
		allowed(l, r, c.a, t0, 2) // a's bucket is now empty
		got := l.Allow(r, c.b, t0)
		if got == c.sameKey {
			t.Errorf("%s %v then %v: allowed=%v, want same key=%v", c.per, c.a.Addr, c.b.Addr, got, c.sameKey)
		}
	}
}

func TestLocalRulesCountApart(t *testing.T) {
	l := New(Options{})
	r1, r2 := limitRule("one", 1, 1, rules.PerClient), limitRule("two", 1, 1, rules.PerClient)
	q := query("x.", "192.0.2.1")
	if !l.Allow(r1, q, t0) || l.Allow(r1, q, t0) || !l.Allow(r2, q, t0) {
		t.Error("two rules share a bucket")
	}
}

func TestLocalNoLimitAllows(t *testing.T) {
	l := New(Options{})
	if !l.Allow(nil, query("x.", "192.0.2.1"), t0) || !l.Allow(&rules.Rule{ID: "d", Action: rules.Drop}, query("x.", "192.0.2.1"), t0) {
		t.Error("a rule without a limit must allow")
	}
}

func TestLocalLimitChange(t *testing.T) {
	l := New(Options{})
	q := query("x.", "192.0.2.1")
	if got := allowed(l, limitRule("r", 1, 1, rules.PerClient), q, t0, 10); got != 1 {
		t.Fatalf("%d allowed, want 1", got)
	}
	// The same rule id with a larger limit: the bucket follows it, refilling at the new
	// rate from the moment it sees the change.
	bigger := limitRule("r", 100, 50, rules.PerClient)
	l.Allow(bigger, q, t0.Add(time.Second))
	if got := allowed(l, bigger, q, t0.Add(2*time.Second), 100); got != 50 {
		t.Fatalf("after the limit grew: %d allowed, want 50", got)
	}
}

func TestLocalBoundedKeys(t *testing.T) {
	l := New(Options{MaxKeys: 10})
	r := limitRule("r", 1, 1, rules.PerClient)
	first := query("x.", "10.0.0.0")
	l.Allow(r, first, t0)
	if l.Allow(r, first, t0) {
		t.Fatal("second query allowed")
	}
	for i := 1; i <= 100; i++ {
		l.Allow(r, rules.Query{Name: "x.", Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})}, t0)
	}
	if n := l.buckets.Len(); n != 10 {
		t.Fatalf("%d keys tracked, want 10", n)
	}
	// The first client was evicted: it starts with a full bucket again.
	if !l.Allow(r, first, t0) {
		t.Error("an evicted key was still limited")
	}
}

func TestLocalAllowDoesNotAllocate(t *testing.T) {
	l := New(Options{})
	r := limitRule("r", 1e6, 1e6, rules.PerSubnet)
	q := query("x.", "2001:db8::1")
	l.Allow(r, q, t0)
	if n := testing.AllocsPerRun(1000, func() { l.Allow(r, q, t0) }); n != 0 {
		t.Errorf("Allow on a known key allocates %v times", n)
	}
}

func TestStartStopWithoutRedis(t *testing.T) {
	l := New(Options{})
	l.Start()
	l.Stop()
	l.Stop()
	New(Options{}).Stop() // never started
}

func BenchmarkAllowLocal(b *testing.B) {
	l := New(Options{})
	r := limitRule("r", 1e9, 1e6, rules.PerClient)
	q := query("x.", "192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		l.Allow(r, q, t0)
	}
}

func TestKeysGauge(t *testing.T) {
	before := testutil.ToFloat64(keysTracked)
	l := New(Options{MaxKeys: 5})
	r := limitRule("r", 1, 1, rules.PerClient)
	for i := range 8 {
		l.Allow(r, rules.Query{Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})}, t0)
	}
	if got := testutil.ToFloat64(keysTracked) - before; got != 5 {
		t.Errorf("ratelimit_keys grew by %v, want 5 (the bound)", got)
	}
	l.Stop()
	if got := testutil.ToFloat64(keysTracked); got != before {
		t.Errorf("ratelimit_keys = %v after Stop, want %v", got, before)
	}
}

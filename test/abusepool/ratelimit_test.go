package abusepool_test

import (
	"context"
	"fmt"
	golog "log"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/ratelimit"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/test/harness"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// redisErrors reads coredns_abusepool_ratelimit_redis_errors_total.
func redisErrors(t *testing.T) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "coredns_abusepool_ratelimit_redis_errors_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// fleetLimit is QPS+Burst of the test rule: what the fleet may admit in one second.
const fleetLimit = 100

func sharedLimitRule() *rules.Rule {
	return &rules.Rule{ID: "flood", Match: rules.Match{CIDR: "192.0.2.1"}, Action: rules.RateLimit,
		Limit: &rules.Limit{QPS: 50, Burst: 50, Per: rules.PerClient, Then: rules.Drop}}
}

// newNode is one server's limiter, with its own connection to Redis at addr.
func newNode(t *testing.T, addr, prefix string) *ratelimit.Limiter {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	l := ratelimit.New(ratelimit.Options{Redis: client, Prefix: prefix, Sync: 20 * time.Millisecond})
	l.Start()
	t.Cleanup(func() {
		l.Stop()
		client.Close()
	})
	return l
}

// TestRateLimitSharedThroughRedis: two nodes share one limit. Node A admits the whole
// fleet's second; once its count reaches Redis, node B refuses long before its own
// node-local count would have stopped it.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	rd := harness.NewRedis(t)
	a, b := newNode(t, rd.Addr, rd.Prefix), newNode(t, rd.Addr, rd.Prefix)
	r := sharedLimitRule()
	q := rules.Query{Name: "x.example.", Addr: netip.MustParseAddr("192.0.2.1"), QType: 1}
	now := time.Now() // every call counts in this one second, however long the test takes

	admittedA := 0
	for range 2 * fleetLimit {
		if a.Allow(r, q, now) {
			admittedA++
		}
	}
	if admittedA != fleetLimit {
		t.Fatalf("node A admitted %d, want %d", admittedA, fleetLimit)
	}
	counter := fmt.Sprintf("%srl:%s:192.0.2.1/32:%s", rd.Prefix, r.ID, strconv.FormatInt(now.Unix(), 10))
	harness.Eventually(t, 10*time.Second, "node A's count in Redis", func() bool {
		n, err := rd.Client.Get(context.Background(), counter).Int()
		return err == nil && n == fleetLimit
	})
	ttl, err := rd.Client.TTL(context.Background(), counter).Result()
	if err != nil || ttl <= 0 || ttl > 3*time.Second {
		t.Errorf("counter TTL = %v, %v; want ≤ 3s", ttl, err)
	}

	// B has not synced yet, so it admits until its first sync tells it A's count.
	admittedB := 0
	deadline := time.Now().Add(10 * time.Second)
	for b.Allow(r, q, now) {
		admittedB++
		if time.Now().After(deadline) {
			t.Fatalf("node B still admitting after 10s (%d admitted)", admittedB)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if admittedB >= fleetLimit/2 {
		t.Fatalf("node B admitted %d: the fleet's count is not enforced (node-local limit %d)", admittedB, fleetLimit)
	}
	// And B's refusals hold: it goes on refusing this second.
	for i := range 50 {
		if b.Allow(r, q, now) {
			t.Fatalf("node B admitted again after refusing (call %d)", i)
		}
	}
	// B's admissions reach Redis too: the fleet's total is A's plus B's.
	harness.Eventually(t, 10*time.Second, "node B's count in Redis", func() bool {
		n, err := rd.Client.Get(context.Background(), counter).Int()
		return err == nil && n == fleetLimit+admittedB
	})
}

// TestRateLimitRedisUnreachable: with nothing at the Redis address the limiter still
// limits, each node on its own count.
func TestRateLimitRedisUnreachable(t *testing.T) {
	addr := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	l := newNode(t, addr, "hostdns-test:unreachable:")
	r := sharedLimitRule()
	q := rules.Query{Name: "x.example.", Addr: netip.MustParseAddr("192.0.2.1"), QType: 1}
	other := rules.Query{Name: "x.example.", Addr: netip.MustParseAddr("192.0.2.2"), QType: 1}
	now := time.Now()
	errorsBefore := redisErrors(t)
	for sec := range 3 {
		if sec == 1 { // from here on the limiter has tried Redis and failed
			harness.Eventually(t, 10*time.Second, "a failed sync with Redis", func() bool { return redisErrors(t) > errorsBefore })
		}
		at := now.Add(time.Duration(sec) * time.Second)
		admitted := 0
		for range 3 * fleetLimit {
			if l.Allow(r, q, at) {
				admitted++
			}
		}
		if admitted != fleetLimit {
			t.Fatalf("second %d: admitted %d, want the node-local %d", sec, admitted, fleetLimit)
		}
		if !l.Allow(r, other, at) {
			t.Fatalf("second %d: another client was limited too", sec)
		}
	}
}

// syncWriter is a log destination tests can read while the limiter writes.
type syncWriter struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(b)
}

func (w *syncWriter) count(s string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Count(w.buf.String(), s)
}

// drain admits queries at l until it refuses, with a deadline, and returns how many it
// admitted.
func drain(t *testing.T, l *ratelimit.Limiter, r *rules.Rule, q rules.Query, now time.Time) int {
	t.Helper()
	admitted := 0
	deadline := time.Now().Add(10 * time.Second)
	for l.Allow(r, q, now) {
		admitted++
		if time.Now().After(deadline) {
			t.Fatalf("still admitting after 10s (%d admitted)", admitted)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return admitted
}

// TestRateLimitRedisLostAndBack: node A reaches Redis through a proxy that the test cuts
// and restores. Shared before, per node while Redis is gone (logged once), shared again
// after (logged once).
func TestRateLimitRedisLostAndBack(t *testing.T) {
	logs := &syncWriter{}
	was := golog.Writer()
	clog.SetOutput(logs)
	t.Cleanup(func() { clog.SetOutput(was) })

	rd := harness.NewRedis(t)
	proxy := newTCPProxy(t, "127.0.0.1:"+strconv.Itoa(harness.FreePort(t)), rd.Addr)
	a, b := newNode(t, proxy.addr, rd.Prefix), newNode(t, rd.Addr, rd.Prefix)
	r := sharedLimitRule()
	q := rules.Query{Name: "x.example.", Addr: netip.MustParseAddr("192.0.2.1"), QType: 1}
	now := time.Now()
	counter := func(at time.Time) string {
		return fmt.Sprintf("%srl:%s:192.0.2.1/32:%d", rd.Prefix, r.ID, at.Unix())
	}
	fleetFull := func(at time.Time) {
		t.Helper()
		if n := drain(t, b, r, q, at); n != fleetLimit {
			t.Fatalf("node B admitted %d, want %d", n, fleetLimit)
		}
		harness.Eventually(t, 10*time.Second, "node B's count in Redis", func() bool {
			n, err := rd.Client.Get(context.Background(), counter(at)).Int()
			return err == nil && n == fleetLimit
		})
	}

	// Shared: B fills the second, A soon refuses.
	fleetFull(now)
	if n := drain(t, a, r, q, now); n >= fleetLimit/2 {
		t.Fatalf("node A admitted %d with the fleet full", n)
	}

	// Redis gone for A: for up to 2s A goes on guessing the others' count from the last
	// sync; after that it limits on its own count.
	errorsBefore := redisErrors(t)
	proxy.cut()
	harness.Eventually(t, 10*time.Second, "node A's failed sync", func() bool { return redisErrors(t) > errorsBefore })
	if a.Allow(r, q, now.Add(time.Second)) {
		t.Fatal("1s after the last sync node A forgot the fleet's count")
	}
	lost := now.Add(3 * time.Second)
	if n := drain(t, a, r, q, lost); n != fleetLimit {
		t.Fatalf("without Redis for 3s node A admitted %d, want its own %d", n, fleetLimit)
	}
	harness.Eventually(t, 10*time.Second, "one more failed sync", func() bool { return redisErrors(t) > errorsBefore+1 })
	const lossLog, backLog = "cannot be shared through Redis", "shared through Redis again"
	if n := logs.count(lossLog); n != 1 {
		t.Errorf("the loss was logged %d times, want once:\n%s", n, logs.buf.String())
	}

	// Redis back: shared again.
	proxy.restore()
	harness.Eventually(t, 10*time.Second, "the recovery logged", func() bool { return logs.count(backLog) == 1 })
	back := now.Add(4 * time.Second)
	fleetFull(back)
	if n := drain(t, a, r, q, back); n >= fleetLimit/2 {
		t.Fatalf("after Redis came back node A admitted %d with the fleet full", n)
	}
	if n := logs.count(lossLog); n != 1 {
		t.Errorf("the loss was logged %d times, want once", n)
	}
}

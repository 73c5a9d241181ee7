package abusepool_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"
	"github.com/hostdns/hostdns/test/harness"
)

// A change is to apply on every node within one second; the polls allow more only so a
// loaded machine does not fail them, and report how long it took.
const shareLimit = 5 * time.Second

// node is one State sharing rules through the Redis at addr, as one server would.
func node(t *testing.T, addr, prefix string) *state.State {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:        addr,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
		MaxRetries: -1,
	})
	s := state.New([]rules.Rule{{ID: "local", Match: rules.Match{Suffix: "local.example."}, Action: rules.Refused,
		Origin: rules.FromCorefile, Created: time.Now()}}, state.Options{Redis: c, Prefix: prefix, Resync: time.Second})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		c.Close()
	})
	harness.Eventually(t, shareLimit, "first load from Redis", s.Ready)
	return s
}

func block(id, suffix string) rules.Rule {
	return rules.Rule{ID: id, Match: rules.Match{Suffix: suffix}, Action: rules.Drop}
}

func has(s *state.State, id string) func() bool {
	return func() bool { _, ok := s.Get(id); return ok }
}

func hasNot(s *state.State, id string) func() bool {
	return func() bool { _, ok := s.Get(id); return !ok }
}

func matches(s *state.State, name, id string) func() bool {
	return func() bool {
		r := s.Set().Match(rules.Query{Name: name, QType: 1})
		return r != nil && r.ID == id
	}
}

// waitShared polls until cond, and logs how long the change took to arrive.
func waitShared(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	harness.Eventually(t, shareLimit, what, cond)
	t.Logf("%s: after %v", what, time.Since(start).Round(time.Millisecond))
}

func TestStateSharedThroughRedis(t *testing.T) {
	srv := harness.StartRedisServer(t)
	a, b := node(t, srv.Addr(), "t:"), node(t, srv.Addr(), "t:")
	ctx := context.Background()

	if _, err := a.Put(ctx, block("bad", "bad.example.")); err != nil {
		t.Fatal(err)
	}
	waitShared(t, "a's rule on b", matches(b, "x.bad.example.", "bad"))
	// A node started later (a restart) has it as soon as it is ready.
	if c := node(t, srv.Addr(), "t:"); !matches(c, "x.bad.example.", "bad")() {
		t.Fatal("a node started after the Put does not have the rule once ready")
	}

	if err := b.Delete(ctx, "bad"); err != nil {
		t.Fatal(err)
	}
	waitShared(t, "b's delete on a", hasNot(a, "bad"))

	dyn := block("dyn-query_rate-192.0.2.1", "flood.example.")
	dyn.Origin = rules.FromDynamic
	dyn.Expires = time.Now().Add(time.Second)
	if _, err := a.Add(ctx, dyn); err != nil {
		t.Fatal(err)
	}
	waitShared(t, "a's dynamic rule on b", has(b, dyn.ID))
	if r, _ := b.Get(dyn.ID); r.Origin != rules.FromDynamic {
		t.Fatalf("dynamic rule arrived as %+v", r)
	}
	if _, err := b.Add(ctx, dyn); err == nil {
		t.Fatal("b re-added the dynamic rule a added")
	}
	waitShared(t, "dynamic rule expired on a", hasNot(a, dyn.ID))
	waitShared(t, "dynamic rule expired on b", hasNot(b, dyn.ID))
	check := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer check.Close()
	waitShared(t, "expired rule deleted from Redis", func() bool {
		n, err := check.HExists(ctx, "t:rules", dyn.ID).Result()
		return err == nil && !n
	})

	// Corefile rules stay each node's own.
	if n, err := check.HLen(ctx, "t:rules").Result(); err != nil || n != 0 {
		t.Fatalf("Redis holds %d rules (%v), want none: corefile rules are not shared", n, err)
	}
}

func TestStateSurvivesRedisOutage(t *testing.T) {
	// Registered first, so it runs last: after both nodes stopped and closed their clients,
	// nothing they started (loops, pub/sub, reconnects) is left running.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	srv := harness.StartRedisServer(t)
	a, b := node(t, srv.Addr(), "t:"), node(t, srv.Addr(), "t:")
	ctx := context.Background()
	for _, id := range []string{"one", "two"} {
		if _, err := a.Put(ctx, block(id, id+".example.")); err != nil {
			t.Fatal(err)
		}
	}
	waitShared(t, "a's rules on b", func() bool { return has(b, "one")() && has(b, "two")() })

	srv.Stop()
	if _, err := a.Put(ctx, block("during", "during.example.")); err != nil {
		t.Fatalf("Put while Redis is down: %v", err)
	}
	if !matches(a, "x.during.example.", "during")() {
		t.Fatal("the Put made while Redis is down does not apply locally")
	}
	if err := a.Delete(ctx, "two"); err != nil {
		t.Fatalf("Delete while Redis is down: %v", err)
	}
	// Both keep what they knew; b cannot know a's changes yet.
	for _, n := range []*state.State{a, b} {
		if !matches(n, "x.one.example.", "one")() {
			t.Fatal("a node lost a rule when Redis went away")
		}
	}
	if !has(b, "two")() {
		t.Fatal("b lost rule two when Redis went away")
	}

	srv.Start() // empty: no persistence
	waitShared(t, "a's outage Put on b", matches(b, "x.during.example.", "during"))
	waitShared(t, "a's outage Delete on b", hasNot(b, "two"))
	for _, n := range []*state.State{a, b} {
		if !has(n, "one")() {
			t.Fatal("rule one, from before the outage, is gone after Redis came back empty")
		}
	}

	// Redis came back empty; the nodes wrote back what they knew, less the outage's delete:
	// a node started now loads exactly that.
	c := node(t, srv.Addr(), "t:")
	for id, want := range map[string]bool{"one": true, "two": false, "during": true} {
		if _, ok := c.Get(id); ok != want {
			t.Errorf("a node started after the outage has rule %s: %v, want %v", id, ok, want)
		}
	}

	// And sharing works again both ways.
	if _, err := b.Put(ctx, block("after", "after.example.")); err != nil {
		t.Fatal(err)
	}
	waitShared(t, "b's rule after the outage on a", has(a, "after"))
}

func TestStateIgnoresBadRedisEntries(t *testing.T) {
	srv := harness.StartRedisServer(t)
	a := node(t, srv.Addr(), "t:")
	ctx := context.Background()
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	for id, v := range map[string]string{
		"junk":    `not json`,
		"unknown": `{"id":"unknown","match":{"suffix":"a."},"action":"drop","colour":"red"}`,
		"wrongid": `{"id":"other","match":{"suffix":"a."},"action":"drop","origin":"api"}`,
		"nopool":  `{"id":"nopool","match":{"suffix":"a."},"action":"pool","pool":"none","origin":"api"}`,
		"good":    `{"id":"good","match":{"suffix":"good.example."},"action":"drop","origin":"api","created":"2026-01-01T00:00:00Z"}`,
	} {
		if err := raw.HSet(ctx, "t:rules", id, v).Err(); err != nil {
			t.Fatal(err)
		}
		raw.Publish(ctx, "t:rules-changed", id)
	}
	waitShared(t, "the good entry written straight to Redis", matches(a, "x.good.example.", "good"))
	for _, id := range []string{"junk", "unknown", "wrongid", "other", "nopool"} {
		if _, ok := a.Get(id); ok {
			t.Errorf("bad entry %s was loaded", id)
		}
	}
	// The node still works.
	if _, err := a.Put(ctx, block("after", "after.example.")); err != nil {
		t.Fatal(err)
	}
}

func TestStateStartsWithRedisDown(t *testing.T) {
	srv := harness.StartRedisServer(t)
	srv.Stop()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	s := state.New(nil, state.Options{Redis: c, Prefix: "t:", Resync: time.Second})
	if err := s.Start(); err != nil {
		t.Fatalf("Start with Redis down: %v", err)
	}
	defer s.Stop()
	if s.Ready() {
		t.Fatal("ready before any load from Redis")
	}
	ctx := context.Background()
	if _, err := s.Put(ctx, block("early", "early.example.")); err != nil {
		t.Fatal(err)
	}
	if !matches(s, "x.early.example.", "early")() {
		t.Fatal("a Put before Redis was reachable does not apply locally")
	}

	srv.Start()
	waitShared(t, "ready once Redis answers", s.Ready)
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	waitShared(t, "the early Put written to Redis", func() bool {
		ok, err := raw.HExists(ctx, "t:rules", "early").Result()
		return err == nil && ok
	})
	if !has(s, "early")() {
		t.Fatal("the early rule went away at the first load")
	}
}

func TestStateBurstOfDynamicRules(t *testing.T) {
	srv := harness.StartRedisServer(t)
	a, b := node(t, srv.Addr(), "t:"), node(t, srv.Addr(), "t:")
	ctx := context.Background()
	const n = 300
	for i := range n {
		r := block(fmt.Sprintf("dyn-query_rate-192.0.2.%d", i), fmt.Sprintf("n%d.example.", i))
		r.Origin = rules.FromDynamic
		r.Expires = time.Now().Add(time.Hour)
		if _, err := a.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	waitShared(t, "a burst of dynamic rules on b", func() bool { return len(b.Rules()) == n+1 })
	if !matches(b, "x.n299.example.", "dyn-query_rate-192.0.2.299")() {
		t.Fatal("the last rule of the burst does not match on b")
	}
}

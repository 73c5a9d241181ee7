package state

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func corefileRule(id, suffix string) rules.Rule {
	return rules.Rule{ID: id, Match: rules.Match{Suffix: suffix}, Action: rules.Refused, Origin: rules.FromCorefile, Created: time.Now()}
}

func apiRule(id, suffix string) rules.Rule {
	return rules.Rule{ID: id, Match: rules.Match{Suffix: suffix}, Action: rules.Drop}
}

func query(name string) rules.Query {
	return rules.Query{Name: name, Addr: netip.MustParseAddr("192.0.2.1"), QType: 1}
}

func started(t *testing.T, corefile []rules.Rule, o Options) *State {
	t.Helper()
	s := New(corefile, o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func TestPutGetDelete(t *testing.T) {
	s := started(t, []rules.Rule{corefileRule("core", "core.example.")}, Options{})
	ctx := context.Background()
	if !s.Ready() {
		t.Fatal("not ready without Redis")
	}

	got, err := s.Put(ctx, apiRule("", "Bad.Example"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || got.Origin != rules.FromAPI || got.Created.IsZero() || got.Match.Suffix != "bad.example." {
		t.Fatalf("Put returned %+v: want an assigned id, origin api, Created, canonical suffix", got)
	}
	if r := s.Set().Match(query("www.bad.example.")); r == nil || r.ID != got.ID {
		t.Fatalf("Set().Match = %v, want %s", r, got.ID)
	}
	if r, ok := s.Get(got.ID); !ok || r.ID != got.ID {
		t.Fatalf("Get(%s) = %+v, %v", got.ID, r, ok)
	}

	if err := s.Delete(ctx, got.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(got.ID); ok {
		t.Fatal("rule still there after Delete")
	}
	if r := s.Set().Match(query("www.bad.example.")); r != nil {
		t.Fatalf("deleted rule still matches: %+v", r)
	}
	if err := s.Delete(ctx, got.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
}

func TestCorefileRulesAreNotChangedOverTheAPI(t *testing.T) {
	s := started(t, []rules.Rule{corefileRule("core", "core.example.")}, Options{})
	ctx := context.Background()
	if err := s.Delete(ctx, "core"); !errors.Is(err, ErrCorefileRule) {
		t.Fatalf("Delete corefile rule: %v, want ErrCorefileRule", err)
	}
	if _, err := s.Put(ctx, apiRule("core", "other.example.")); !errors.Is(err, ErrCorefileRule) {
		t.Fatalf("Put over corefile rule: %v, want ErrCorefileRule", err)
	}
	if r, _ := s.Get("core"); r.Origin != rules.FromCorefile || r.Match.Suffix != "core.example." {
		t.Fatalf("corefile rule changed: %+v", r)
	}
}

func TestAddRefusesExistingID(t *testing.T) {
	s := started(t, nil, Options{})
	ctx := context.Background()
	first, err := s.Add(ctx, apiRule("x", "a.example."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, apiRule("x", "b.example.")); !errors.Is(err, ErrExists) {
		t.Fatalf("second Add: %v, want ErrExists", err)
	}
	if r, _ := s.Get("x"); r.Match.Suffix != "a.example." {
		t.Fatalf("failed Add changed the rule: %+v", r)
	}
	// Put replaces, keeping Created (the precedence).
	r, err := s.Put(ctx, apiRule("x", "b.example."))
	if err != nil {
		t.Fatal(err)
	}
	if r.Match.Suffix != "b.example." || !r.Created.Equal(first.Created) {
		t.Fatalf("Put = %+v, want suffix b.example. and Created %v", r, first.Created)
	}
}

func TestInvalidRulesChangeNothing(t *testing.T) {
	s := started(t, nil, Options{})
	ctx := context.Background()
	bad := []rules.Rule{
		{ID: "BAD ID", Match: rules.Match{Suffix: "a."}, Action: rules.Drop},
		{ID: "nomatch", Action: rules.Drop},
		{ID: "noaction", Match: rules.Match{Suffix: "a."}},
		{ID: "nopool", Match: rules.Match{Suffix: "a."}, Action: rules.Pool, Pool: "missing"},
		{ID: "past", Match: rules.Match{Suffix: "a."}, Action: rules.Drop, Expires: time.Now().Add(-time.Minute)},
	}
	for _, r := range bad {
		if _, err := s.Put(ctx, r); !errors.Is(err, rules.ErrInvalid) {
			t.Errorf("Put(%+v) = %v, want ErrInvalid", r, err)
		}
	}
	if n := len(s.Rules()); n != 0 {
		t.Fatalf("%d rules after only bad Puts", n)
	}
}

func TestPoolRuleNeedsAnExistingPool(t *testing.T) {
	s := started(t, nil, Options{PoolExists: func(p string) bool { return p == "abuse" }})
	r := rules.Rule{ID: "p", Match: rules.Match{Suffix: "a."}, Action: rules.Pool, Pool: "abuse"}
	if _, err := s.Put(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

func TestOrderIsCorefileThenCreated(t *testing.T) {
	s := started(t, []rules.Rule{corefileRule("core", "example.")}, Options{})
	ctx := context.Background()
	for _, id := range []string{"b", "a", "c"} {
		if _, err := s.Put(ctx, apiRule(id, "x.example.")); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, r := range s.Rules() {
		ids = append(ids, r.ID)
	}
	if want := "core b a c"; strings.Join(ids, " ") != want {
		t.Fatalf("Rules() order %q, want %q", strings.Join(ids, " "), want)
	}
	// The corefile rule comes first, so it wins for names under both suffixes.
	if r := s.Set().Match(query("w.x.example.")); r == nil || r.ID != "core" {
		t.Fatalf("Match = %+v, want the corefile rule", r)
	}
}

func TestRulesReturnsCopies(t *testing.T) {
	s := started(t, nil, Options{})
	r := rules.Rule{ID: "rl", Match: rules.Match{Suffix: "a."}, Action: rules.RateLimit,
		Limit: &rules.Limit{QPS: 10, Burst: 5, Per: rules.PerClient, Then: rules.Drop}}
	if _, err := s.Put(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	s.Rules()[0].Limit.QPS = 1
	got, _ := s.Get("rl")
	got.Limit.QPS = 2
	if again, _ := s.Get("rl"); again.Limit.QPS != 10 {
		t.Fatalf("caller changed the State's rule: qps %v", again.Limit.QPS)
	}
}

func TestRulesExpire(t *testing.T) {
	core := corefileRule("core-short", "core.example.")
	core.Expires = time.Now().Add(100 * time.Millisecond)
	s := started(t, []rules.Rule{core}, Options{})
	r := apiRule("dyn", "dyn.example.")
	r.Origin = rules.FromDynamic
	r.Expires = time.Now().Add(150 * time.Millisecond)
	if _, err := s.Add(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(context.Background(), apiRule("forever", "f.example.")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "both rules expired", func() bool { return len(s.Rules()) == 1 })
	if s.Set().Match(query("a.dyn.example.")) != nil || s.Set().Match(query("a.core.example.")) != nil {
		t.Fatal("expired rules still match")
	}
	if _, ok := s.Get("forever"); !ok {
		t.Fatal("the rule without expiry went too")
	}
	// An expired dynamic rule may be added again.
	r.Expires = time.Now().Add(time.Hour)
	if _, err := s.Add(context.Background(), r); err != nil {
		t.Fatalf("re-adding after expiry: %v", err)
	}
}

// The expiry loop sleeps until the view's earliest expiry: that moment must be the earliest
// rule's, and expire at exactly that moment removes it and nothing else.
func TestExpiryWakesAtTheEarliestRule(t *testing.T) {
	s := New(nil, Options{}) // not started: expire is called by hand
	now := time.Now().UTC()
	for i, d := range []time.Duration{time.Hour, time.Minute, 0} {
		r := apiRule(string(rune('a'+i)), "x.example.")
		if d > 0 {
			r.Expires = now.Add(d)
		}
		if _, err := s.Put(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	next := s.view.Load().next
	if want := now.Add(time.Minute); !next.Equal(want) {
		t.Fatalf("next expiry %v, want %v", next, want)
	}
	s.expire(next.Add(-time.Nanosecond))
	if len(s.Rules()) != 3 {
		t.Fatal("a rule expired before its time")
	}
	s.expire(next)
	if _, ok := s.Get("b"); ok || len(s.Rules()) != 2 {
		t.Fatalf("after expire at its time: %d rules, b still there: %v", len(s.Rules()), ok)
	}
	if want := now.Add(time.Hour); !s.view.Load().next.Equal(want) {
		t.Fatalf("next expiry %v, want %v", s.view.Load().next, want)
	}
}

func TestStopWithoutStart(t *testing.T) {
	s := New(nil, Options{})
	s.Stop()
	s.Stop()
}

func TestStartTwice(t *testing.T) {
	s := started(t, nil, Options{})
	if err := s.Start(); err == nil {
		t.Fatal("second Start succeeded")
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMetrics(t *testing.T) {
	api := rulesInForce.WithLabelValues(string(rules.FromAPI))
	core := rulesInForce.WithLabelValues(string(rules.FromCorefile))
	expired := rulesExpired.WithLabelValues(string(rules.FromDynamic))
	apiBefore, coreBefore, expiredBefore := testutil.ToFloat64(api), testutil.ToFloat64(core), testutil.ToFloat64(expired)

	s := New([]rules.Rule{corefileRule("core", "core.example.")}, Options{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.Put(context.Background(), apiRule(id, "x.example.")); err != nil {
			t.Fatal(err)
		}
	}
	dyn := apiRule("dyn", "d.example.")
	dyn.Origin, dyn.Expires = rules.FromDynamic, time.Now().Add(20*time.Millisecond)
	if _, err := s.Add(context.Background(), dyn); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(api) - apiBefore; got != 2 {
		t.Errorf("rules{origin=api} rose by %v, want 2", got)
	}
	if got := testutil.ToFloat64(core) - coreBefore; got != 1 {
		t.Errorf("rules{origin=corefile} rose by %v, want 1", got)
	}
	waitUntil(t, "dynamic rule expired", func() bool { return testutil.ToFloat64(expired)-expiredBefore == 1 })
	s.Stop()
	if got := testutil.ToFloat64(api) - apiBefore; got != 0 {
		t.Errorf("rules{origin=api} after Stop: %v over before, want 0", got)
	}
}

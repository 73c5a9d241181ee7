package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// Extend moves a live dynamic rule's expiry, only when the new one is more than minGain
// later, and leaves every other rule alone.
func TestExtend(t *testing.T) {
	s := started(t, []rules.Rule{corefileRule("core", "core.example.")}, Options{})
	ctx := context.Background()
	now := time.Now()
	dyn := apiRule("dyn", "dyn.example.")
	dyn.Origin, dyn.Expires = rules.FromDynamic, now.Add(time.Minute)
	added, err := s.Add(ctx, dyn)
	if err != nil {
		t.Fatal(err)
	}
	expires := func(id string) time.Time { r, _ := s.Get(id); return r.Expires }

	if ok, err := s.Extend(ctx, "dyn", added.Expires.Add(10*time.Second), 15*time.Second); ok || err != nil {
		t.Fatalf("extend by 10s with a minimum gain of 15s: %v %v, want no change", ok, err)
	}
	if ok, err := s.Extend(ctx, "dyn", added.Expires.Add(-time.Second), 0); ok || err != nil {
		t.Fatalf("an earlier expiry: %v %v, want no change", ok, err)
	}
	if !expires("dyn").Equal(added.Expires) {
		t.Fatalf("expiry moved to %v without an extension", expires("dyn"))
	}
	later := now.Add(2 * time.Minute)
	if ok, err := s.Extend(ctx, "dyn", later, 15*time.Second); !ok || err != nil {
		t.Fatalf("extend by a minute: %v %v", ok, err)
	}
	r, _ := s.Get("dyn")
	if !r.Expires.Equal(later) || !r.Created.Equal(added.Created) || r.Match != added.Match || r.Origin != rules.FromDynamic {
		t.Fatalf("extended rule %+v, want %+v with expiry %v", r, added, later)
	}
	if m := s.Set().Match(query("a.dyn.example.")); m == nil || !m.Expires.Equal(later) {
		t.Fatalf("the matching set has %+v, want the extended rule", m)
	}

	forever := apiRule("forever", "f.example.")
	forever.Origin = rules.FromDynamic
	api := apiRule("api", "api.example.")
	api.Expires = now.Add(time.Minute)
	for _, r := range []rules.Rule{forever, api} {
		if _, err := s.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"forever", "api"} {
		before := expires(id)
		if ok, err := s.Extend(ctx, id, now.Add(time.Hour), 0); ok || err != nil || !expires(id).Equal(before) {
			t.Errorf("%s: extended %v %v to %v; only dynamic rules that expire are", id, ok, err, expires(id))
		}
	}
	for _, id := range []string{"core", "nope"} {
		if _, err := s.Extend(ctx, id, now.Add(time.Hour), 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", id, err)
		}
	}
}

// An extended rule outlives its first expiry: the expiry loop follows the new one.
func TestExtendedRuleOutlivesItsFirstExpiry(t *testing.T) {
	s := started(t, nil, Options{})
	ctx := context.Background()
	short := apiRule("short", "s.example.")
	short.Origin, short.Expires = rules.FromDynamic, time.Now().Add(300*time.Millisecond)
	ext := apiRule("ext", "e.example.")
	ext.Origin, ext.Expires = rules.FromDynamic, short.Expires
	for _, r := range []rules.Rule{short, ext} {
		if _, err := s.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.Extend(ctx, "ext", time.Now().Add(time.Hour), time.Second); !ok || err != nil {
		t.Fatalf("extend: %v %v", ok, err)
	}
	waitUntil(t, "the rule not extended expired", func() bool { _, ok := s.Get("short"); return !ok })
	if _, ok := s.Get("ext"); !ok {
		t.Fatal("the extended rule expired at its first expiry")
	}
	if _, err := s.Extend(ctx, "short", time.Now().Add(time.Hour), 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("extending an expired rule: %v, want ErrNotFound", err)
	}
}

package abusepool_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/test/harness"
)

// A dynamic rule one node extends is extended on every node, through one write and one
// message; an extension that gains too little writes nothing, on either node.
func TestDynamicRuleExtendedThroughRedis(t *testing.T) {
	srv := harness.StartRedisServer(t)
	a, b := node(t, srv.Addr(), "t:"), node(t, srv.Addr(), "t:")
	ctx := context.Background()
	check := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer check.Close()
	sub := check.Subscribe(ctx, "t:rules-changed")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}
	msgs := sub.Channel()

	dyn := block("dyn-query-rate-192.0.2.1", "flood.example.")
	dyn.Origin, dyn.Expires = rules.FromDynamic, time.Now().Add(time.Minute)
	if _, err := a.Add(ctx, dyn); err != nil {
		t.Fatal(err)
	}
	waitShared(t, "a's dynamic rule on b", has(b, dyn.ID))
	until := time.Now().Add(2 * time.Minute).Truncate(time.Millisecond)
	if ok, err := a.Extend(ctx, dyn.ID, until, 15*time.Second); !ok || err != nil {
		t.Fatalf("extend on a: %v %v", ok, err)
	}
	waitShared(t, "the extension on b", func() bool { r, _ := b.Get(dyn.ID); return r.Expires.Equal(until) })
	// b's engine, seeing the same offender a moment later, finds too little to gain.
	for _, n := range []interface {
		Extend(context.Context, string, time.Time, time.Duration) (bool, error)
	}{a, b} {
		if ok, err := n.Extend(ctx, dyn.ID, until.Add(time.Second), 15*time.Second); ok || err != nil {
			t.Fatalf("a second extension by a second: %v %v, want none", ok, err)
		}
	}
	// Redis saw the add and the one extension: two messages, then nothing. The marker Put
	// after them bounds the wait without a sleep.
	if _, err := a.Put(ctx, block("marker", "marker.example.")); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for {
		select {
		case m := <-msgs:
			ids = append(ids, m.Payload)
		case <-time.After(shareLimit):
			t.Fatalf("no marker after %v; messages %v", shareLimit, ids)
		}
		if ids[len(ids)-1] == "marker" {
			break
		}
	}
	if len(ids) != 3 || ids[0] != dyn.ID || ids[1] != dyn.ID {
		t.Errorf("messages %v, want the add, one extension and the marker", ids)
	}
}

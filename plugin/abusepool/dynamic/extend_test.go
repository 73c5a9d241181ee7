package dynamic

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// flood records a second's worth of a blocked flood from client as the handler does: with
// kernel_drop, n kernel samples of weight w, dropped; without, n*w dropped queries.
func flood(i *inspect.Inspector, client string, n int, w uint64) {
	for range n {
		e := inspect.Event{Name: "a.example.", Client: mustAddr(client), QType: dns.TypeA, Rcode: inspect.NoAnswer}
		if w == 1 {
			i.Record(e)
		} else {
			i.RecordWeighted(e, w)
		}
	}
}

// While its offender stays over the threshold, a rule is extended to BLOCKFOR from the
// check, but only when that moves its expiry by more than a quarter of BLOCKFOR: one write
// per quarter, not one per check. Once the flood stops, the rule is left to expire. The same
// for a flood the kernel samples (weight 64) and one the handler drops (weight 1).
func TestExtendWhileOffending(t *testing.T) {
	for _, w := range []uint64{64, 1} {
		i, clk := inspector(t)
		s := newStore()
		e := New([]Threshold{threshold(t, "query_rate client 10 10s 60s drop")}, i, s)
		before := testutil.ToFloat64(rulesExtended.WithLabelValues(QueryRate))
		addedBefore := testutil.ToFloat64(rulesAdded.WithLabelValues(QueryRate))
		const id = "dyn-query-rate-192.0.2.1"
		expires := func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.rules[id].Expires }
		n := int(640 / w) // 640 queries in a 10 s bucket: 64/s, over 10/s

		flood(i, "192.0.2.1", n, w)
		if got := e.Check(clk.Now()); len(got) != 1 || got[0].ID != id {
			t.Fatalf("weight %d: first check added %+v", w, got)
		}
		first := clk.Now().Add(time.Minute)
		// Every check of the next 15 s finds the rule active and the offender over: Extend is
		// asked each time, and writes nothing until the gain passes 15 s.
		for range 60 {
			clk.Add(250 * time.Millisecond)
			if clk.Now().UnixNano()%int64(10*time.Second) == 0 {
				flood(i, "192.0.2.1", n, w) // a new 10 s bucket: the flood goes on
			}
			if got := e.Check(clk.Now()); len(got) != 0 {
				t.Fatalf("weight %d: added %+v while the rule is active", w, got)
			}
			if !expires().Equal(first) {
				t.Fatalf("weight %d: extended to %v after %v, a gain of at most 15 s", w, expires(), clk.Now().Sub(t0))
			}
		}
		clk.Add(250 * time.Millisecond)
		if clk.Now().UnixNano()%int64(10*time.Second) == 0 {
			flood(i, "192.0.2.1", n, w)
		}
		e.Check(clk.Now())
		if want := clk.Now().Add(time.Minute); !expires().Equal(want) || s.extended != 1 {
			t.Fatalf("weight %d: expiry %v after %d extensions, want %v after 1", w, expires(), s.extended, want)
		}
		if got := testutil.ToFloat64(rulesExtended.WithLabelValues(QueryRate)) - before; got != 1 {
			t.Errorf("weight %d: extensions counted %v, want 1", w, got)
		}
		// The flood stops: once its bucket has left the threshold's window nothing is extended.
		extendedUntil := expires()
		clk.Add(20 * time.Second)
		e.Check(clk.Now())
		clk.Add(20 * time.Second)
		e.Check(clk.Now())
		if !expires().Equal(extendedUntil) || s.extended != 1 {
			t.Errorf("weight %d: extended to %v with no traffic", w, expires())
		}
		if got := testutil.ToFloat64(rulesAdded.WithLabelValues(QueryRate)) - addedBefore; got != 1 {
			t.Errorf("weight %d: %v rules added, want 1", w, got)
		}
	}
}

// A rule deleted meanwhile (or expired) is not extended: Extend fails, and the next check
// adds a new one.
func TestExtendGoneRuleReadded(t *testing.T) {
	i, clk := inspector(t)
	s := newStore()
	e := New([]Threshold{threshold(t, "query_rate client 10 10s 60s drop")}, i, s)
	flood(i, "192.0.2.1", 640, 1)
	if got := e.Check(clk.Now()); len(got) != 1 {
		t.Fatalf("added %+v", got)
	}
	s.mu.Lock()
	s.rules = map[string]rules.Rule{}
	s.mu.Unlock()
	clk.Add(time.Second)
	if got := e.Check(clk.Now()); len(got) != 1 || !got[0].Expires.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("after a delete: added %+v, want the rule again", got)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

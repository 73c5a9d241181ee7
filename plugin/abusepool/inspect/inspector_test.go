package inspect

import (
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/goleak"
)

// started is a running inspector on a hand-driven clock, stopped at the test's end.
func started(t *testing.T, c Config) (*Inspector, *clock) {
	t.Helper()
	clk := newClock()
	c.Now = clk.Now
	i := New(c)
	i.Start()
	t.Cleanup(i.Stop)
	return i, clk
}

func top(t *testing.T, i *Inspector, q Query) map[string]Entry {
	t.Helper()
	res, err := i.Top(q)
	if err != nil {
		t.Fatalf("Top(%+v): %v", q, err)
	}
	m := map[string]Entry{}
	for _, e := range res.Entries {
		m[e.Key] = e
	}
	return m
}

// exact fails unless the list holds exactly want, every count exact (error 0).
func exact(t *testing.T, i *Inspector, q Query, want map[string]uint64) {
	t.Helper()
	got := top(t, i, q)
	if len(got) != len(want) {
		t.Errorf("%s/%d: %d entries %v, want %v", q.Dimension, q.Labels, len(got), got, want)
	}
	for k, n := range want {
		if e := got[k]; e.Count != n || e.Error != 0 {
			t.Errorf("%s/%d %q: count %d error %d, want %d exact", q.Dimension, q.Labels, k, e.Count, e.Error, n)
		}
	}
}

func ev(name, client string, qtype uint16, rcode, bytes int) Event {
	return Event{Name: name, Client: netip.MustParseAddr(client), QType: qtype, Rcode: rcode, Bytes: bytes}
}

func TestExactCountsEveryDimension(t *testing.T) {
	i, clk := started(t, Config{Window: 60 * time.Second, Buckets: 6, Capacity: 100})
	events := []Event{
		ev("a.b.t-ipnet.de.", "192.0.2.1", dns.TypeA, dns.RcodeNameError, 100),
		ev("c.b.t-ipnet.de.", "192.0.2.2", dns.TypeA, dns.RcodeNameError, 100),
		ev("www.example.com.", "192.0.2.1", dns.TypeAAAA, dns.RcodeSuccess, 300),
		ev("www.example.com.", "::ffff:198.51.100.7", 65401, dns.RcodeServerFailure, 50),
		ev("x.example.org.", "2001:db8:0:1ff::1", dns.TypeTXT, NoAnswer, 0),
	}
	for _, e := range events {
		i.Record(e)
		clk.Advance(11 * time.Second) // across buckets, within the window
	}
	i.Flush()

	exact(t, i, Query{Dimension: Names, N: 10}, map[string]uint64{
		"a.b.t-ipnet.de.": 1, "c.b.t-ipnet.de.": 1, "www.example.com.": 2, "x.example.org.": 1})
	exact(t, i, Query{Dimension: Names, N: 10, Labels: 2}, map[string]uint64{
		"t-ipnet.de.": 2, "example.com.": 2, "example.org.": 1})
	exact(t, i, Query{Dimension: Names, N: 10, Labels: 1}, map[string]uint64{"de.": 2, "com.": 2, "org.": 1})
	exact(t, i, Query{Dimension: NXDomainNames, N: 10, Labels: 2}, map[string]uint64{"t-ipnet.de.": 2})
	exact(t, i, Query{Dimension: ServfailNames, N: 10}, map[string]uint64{"www.example.com.": 1})
	exact(t, i, Query{Dimension: Clients, N: 10}, map[string]uint64{
		"192.0.2.1": 2, "192.0.2.2": 1, "198.51.100.7": 1, "2001:db8:0:1ff::1": 1})
	exact(t, i, Query{Dimension: Clients24, N: 10}, map[string]uint64{"192.0.2.0/24": 3, "198.51.100.0/24": 1})
	exact(t, i, Query{Dimension: Clients56, N: 10}, map[string]uint64{"2001:db8:0:100::/56": 1})
	exact(t, i, Query{Dimension: Rcodes, N: 10}, map[string]uint64{"NXDOMAIN": 2, "NOERROR": 1, "SERVFAIL": 1, "none": 1})
	exact(t, i, Query{Dimension: QTypes, N: 10}, map[string]uint64{"A": 2, "AAAA": 1, "TYPE65401": 1, "TXT": 1})
	exact(t, i, Query{Dimension: ClientBytes, N: 10}, map[string]uint64{"192.0.2.1": 400, "192.0.2.2": 100, "198.51.100.7": 50})
	exact(t, i, Query{Dimension: ClientNXDomain, N: 10}, map[string]uint64{"192.0.2.1": 1, "192.0.2.2": 1})
	exact(t, i, Query{Dimension: ClientServfail, N: 10}, map[string]uint64{"198.51.100.7": 1})

	res, _ := i.Top(Query{Dimension: Names, N: 1, Labels: 2})
	if res.Total != 5 || len(res.Entries) != 1 || res.Entries[0].Key != "example.com." || res.Entries[0].Share != 0.4 {
		t.Errorf("top 1 by 2 labels: %+v, want example.com. (2 of 5, before t-ipnet.de. by key)", res)
	}
	r := i.Rates(0)
	if r.Window != 60*time.Second || r.QueriesPerSecond != 5.0/60 || r.AnswersPerSecond != 4.0/60 || r.DroppedPerSecond != 1.0/60 {
		t.Errorf("rates %+v", r)
	}
}

func TestWindowExpiry(t *testing.T) {
	i, clk := started(t, Config{Window: 10 * time.Second, Buckets: 5, Capacity: 10})
	i.Record(ev("old.example.", "192.0.2.1", dns.TypeA, 0, 0))
	i.Flush()
	clk.Advance(6 * time.Second)
	i.Record(ev("new.example.", "192.0.2.1", dns.TypeA, 0, 0))
	i.Flush()

	exact(t, i, Query{Dimension: Names, N: 10}, map[string]uint64{"old.example.": 1, "new.example.": 1})
	// The last 2 s hold only the newer event.
	exact(t, i, Query{Dimension: Names, N: 10, Window: 2 * time.Second}, map[string]uint64{"new.example.": 1})

	clk.Advance(5 * time.Second) // old is 11 s back, new 5 s
	exact(t, i, Query{Dimension: Names, N: 10}, map[string]uint64{"new.example.": 1})
	clk.Advance(6 * time.Second)
	exact(t, i, Query{Dimension: Names, N: 10}, map[string]uint64{})
	if r := i.Rates(0); r.QueriesPerSecond != 0 {
		t.Errorf("rates after the window: %+v", r)
	}

	// A bucket reused for a newer slice of time starts empty.
	i.Record(ev("newest.example.", "192.0.2.1", dns.TypeA, 0, 0))
	i.Flush()
	exact(t, i, Query{Dimension: Names, N: 10}, map[string]uint64{"newest.example.": 1})
}

func TestBadQueries(t *testing.T) {
	i := New(Config{Window: 60 * time.Second, Capacity: 100, GroupLabels: 3})
	for _, q := range []Query{
		{Dimension: "nope", N: 1},
		{Dimension: "", N: 1},
		{Dimension: Names, N: 0},
		{Dimension: Names, N: 101},
		{Dimension: Names, N: 1, Labels: 4},
		{Dimension: Names, N: 1, Labels: -1},
		{Dimension: Clients, N: 1, Labels: 1},
		{Dimension: Names, N: 1, Window: 61 * time.Second},
		{Dimension: Names, N: 1, Window: -time.Second},
	} {
		if _, err := i.Top(q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Top(%+v) = %v, want ErrBadQuery", q, err)
		}
	}
	if _, err := i.Top(Query{Dimension: NXDomainNames, N: 100, Labels: 3, Window: 60 * time.Second}); err != nil {
		t.Errorf("the largest good query: %v", err)
	}
}

func TestFullQueueCountsUnsampled(t *testing.T) {
	clk := newClock()
	i := New(Config{Queue: 2, Now: clk.Now}) // not started: the queue fills
	for range 5 {
		i.Record(ev("a.example.", "192.0.2.1", dns.TypeA, 0, 0))
	}
	i.Flush() // counts what is queued without an aggregator
	if r := i.Rates(0); r.UnsampledInWindow != 3 || r.QueriesPerSecond != 2.0/60 {
		t.Errorf("rates %+v, want 3 unsampled and 2 queries", r)
	}
}

func TestStartStopLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	i := New(Config{})
	i.Start()
	i.Start() // a second Start does nothing
	i.Record(ev("a.example.", "192.0.2.1", dns.TypeA, 0, 0))
	i.Flush()
	i.Stop()
	i.Stop()
	i.Flush() // after Stop: counts inline, does not hang
	if r := i.Rates(0); r.QueriesPerSecond == 0 {
		t.Errorf("the event was not counted: %+v", r)
	}
}

// TestMergeKeepsBounds: with more keys than capacity, across several buckets, every listed
// key's true count lies within [Count-Error, Count].
func TestMergeKeepsBounds(t *testing.T) {
	i, clk := started(t, Config{Window: 40 * time.Second, Buckets: 4, Capacity: 8})
	truth := map[string]uint64{}
	for b := range 4 {
		for n := range 200 {
			name := "n" + string(rune('a'+(n*7+b)%20)) + ".example."
			if n%3 == 0 {
				name = "hot.example."
			}
			truth[name]++
			i.Record(ev(name, "192.0.2.1", dns.TypeA, 0, 0))
		}
		i.Flush()
		clk.Advance(10 * time.Second)
	}
	clk.Advance(-time.Second) // all four buckets in the window
	for k, e := range top(t, i, Query{Dimension: Names, N: 8}) {
		if e.Count-e.Error > truth[k] || truth[k] > e.Count {
			t.Errorf("%s: [%d, %d] does not hold %d", k, e.Count-e.Error, e.Count, truth[k])
		}
	}
	if e := top(t, i, Query{Dimension: Names, N: 1})["hot.example."]; e.Count < truth["hot.example."] {
		t.Errorf("hot.example. not first: %+v", e)
	}
}

// TestClockStepsBack: after the clock steps back an hour, new events are counted, not taken
// for old ones by the buckets the future left behind.
func TestClockStepsBack(t *testing.T) {
	i, clk := started(t, Config{Window: 10 * time.Second, Buckets: 5, Capacity: 10})
	i.Record(ev("before.example.", "192.0.2.1", dns.TypeA, 0, 0))
	i.Flush()
	clk.Advance(-time.Hour)
	for range 5 { // through every bucket, so each meets a slice from the future
		i.Record(ev("after.example.", "192.0.2.1", dns.TypeA, 0, 0))
		i.Flush()
		clk.Advance(time.Second)
	}
	exact(t, i, Query{Dimension: Names, N: 10}, map[string]uint64{"after.example.": 5})
}

// TestConcurrentUse: Record from several goroutines while others query; run with -race.
// Every event is either counted or counted as unsampled.
func TestConcurrentUse(t *testing.T) {
	i, _ := started(t, Config{Capacity: 50, Queue: 128})
	const writers, each = 4, 5000
	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := i.Top(Query{Dimension: Clients24, N: 10}); err != nil {
					t.Error(err)
					return
				}
				i.Rates(0)
				i.MemoryBytes()
			}
		}()
	}
	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			for n := range each {
				i.Record(ev("n"+strconv.Itoa(n%100)+".example.", "192.0.2."+strconv.Itoa(w), dns.TypeA, 0, 10))
			}
		}()
	}
	writersWG.Wait()
	close(done)
	readers.Wait()
	i.Flush()
	r := i.Rates(0)
	if got := uint64(r.QueriesPerSecond*60+0.5) + r.UnsampledInWindow; got != writers*each {
		t.Errorf("%d counted and unsampled, want %d", got, writers*each)
	}
}

package inspect

import (
	"net/netip"
	"testing"
	"time"
)

// Above the budget, one event in k is counted with weight k: a second of 1,000 events on a
// budget of 100 makes k 10 for the next, whose 20,000 events (A nine in ten, B one in ten)
// still show A and B at about their shares, and the total close to 20,000.
func TestSampleAboveBudget(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	i := New(Config{Budget: 100, Now: func() time.Time { return now }})
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for range 1000 {
		i.Record(Event{Name: "x.example.", Client: a, QType: 1, Rcode: 0})
	}
	i.Flush()
	if k := i.every.Load(); k != 1 {
		t.Fatalf("k = %d within the first second, want 1", k)
	}
	now = now.Add(time.Second)
	i.Record(Event{Name: "x.example.", Client: a, QType: 1, Rcode: 0})
	i.Flush()
	if k := i.every.Load(); k != 10 {
		t.Fatalf("k = %d after a second of 1,000 events on a budget of 100, want 10", k)
	}
	for n := range 20000 {
		c := a
		if n%10 == 9 {
			c = b
		}
		i.Record(Event{Name: "x.example.", Client: c, QType: 1, Rcode: 0})
	}
	i.Flush()
	top, err := i.Top(Query{Dimension: Clients, N: 2, Window: 2 * i.cfg.bucketWidth()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, e := range top.Entries {
		got[e.Key] = e.Count
	}
	// 1,001 unsampled events of A, then about 18,000 of A and 2,000 of B in samples of 1 in 10.
	within := func(v, want, tol uint64) bool { return v+tol >= want && v <= want+tol }
	if !within(got["192.0.2.1"], 19001, 1500) || !within(got["192.0.2.2"], 2000, 600) {
		t.Errorf("clients %v, want about 192.0.2.1=19001 and 192.0.2.2=2000", got)
	}
	if !within(top.Total, 21001, 1500) {
		t.Errorf("total %d, want about 21001", top.Total)
	}
}

// A weighted event (a kernel sample) counts w in the lists and rates, but one in the budget:
// 100 events of weight 1,024 and 500 plain ones are 600 Record calls, under a budget of
// 1,000, so the next second is still counted one by one.
func TestRecordWeighted(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	i := New(Config{Budget: 1000, Now: func() time.Time { return now }})
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for range 100 {
		i.RecordWeighted(Event{Name: "x.example.", Client: a, QType: 1, Rcode: NoAnswer}, 1024)
	}
	for range 500 {
		i.Record(Event{Name: "x.example.", Client: b, QType: 1, Rcode: 0})
	}
	i.RecordWeighted(Event{Name: "x.example.", Client: b, QType: 1, Rcode: 0}, 0) // 0 counts as 1
	i.Flush()
	top, err := i.Top(Query{Dimension: Clients, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, e := range top.Entries {
		got[e.Key] = e.Count - e.Error
	}
	if got["192.0.2.1"] != 102400 || got["192.0.2.2"] != 501 || top.Total != 102901 {
		t.Errorf("clients %v total %d, want 192.0.2.1=102400 192.0.2.2=501 total 102901", got, top.Total)
	}
	r := i.Rates(0)
	if want := 102400 / r.Window.Seconds(); r.DroppedPerSecond != want {
		t.Errorf("dropped %v/s, want %v", r.DroppedPerSecond, want)
	}
	now = now.Add(time.Second)
	i.Record(Event{Name: "x.example.", Client: b, QType: 1, Rcode: 0})
	i.Flush()
	if k := i.every.Load(); k != 1 {
		t.Errorf("k = %d after 601 Record calls on a budget of 1,000, want 1", k)
	}
}

package inspect

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// BenchmarkRecord is the query path's cost with the aggregator running. A benchmark records
// far faster than any aggregator counts, so most of these find the queue full; unsampled/op
// says how many. BenchmarkRecordEnqueue is the cost when there is room.
func BenchmarkRecord(b *testing.B) {
	i := New(Config{})
	i.Start()
	defer i.Stop()
	e := Event{Name: "www.example.com.", Client: netip.MustParseAddr("192.0.2.1"), QType: dns.TypeA, Bytes: 100}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		i.Record(e)
		n++
	}
	b.StopTimer()
	i.Stop()
	i.Flush()
	b.ReportMetric(float64(i.Rates(0).UnsampledInWindow)/float64(n), "unsampled/op")
}

// BenchmarkRecordEnqueue is Record when the queue has room: the clock read and the send. The
// queue is emptied, off the clock, whenever it fills. It must not allocate.
func BenchmarkRecordEnqueue(b *testing.B) {
	i := New(Config{})
	e := Event{Name: "www.example.com.", Client: netip.MustParseAddr("192.0.2.1"), QType: dns.TypeA, Bytes: 100}
	b.ReportAllocs()
	for b.Loop() {
		if len(i.queue) == cap(i.queue) {
			b.StopTimer()
			for len(i.queue) > 0 {
				<-i.queue
			}
			b.StartTimer()
		}
		i.Record(e)
	}
	if i.unsampled.Load() != 0 {
		b.Fatalf("%d unsampled: the queue was full", i.unsampled.Load())
	}
}

// BenchmarkRecordFull is Record when the aggregator has fallen behind: the queue is full and
// the event is only counted as unsampled.
func BenchmarkRecordFull(b *testing.B) {
	i := New(Config{Queue: 1})
	e := Event{Name: "www.example.com.", Client: netip.MustParseAddr("192.0.2.1"), QType: dns.TypeA, Bytes: 100}
	i.Record(e)
	b.ReportAllocs()
	for b.Loop() {
		i.Record(e)
	}
}

// BenchmarkRecordAt is Record without its clock read, the handler passing the time it has.
func BenchmarkRecordAt(b *testing.B) {
	i := New(Config{})
	i.Start()
	defer i.Stop()
	e := Event{Name: "www.example.com.", Client: netip.MustParseAddr("192.0.2.1"), QType: dns.TypeA, Bytes: 100}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		i.RecordAt(e, now)
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	i := New(Config{})
	i.Start()
	defer i.Stop()
	e := Event{Name: "www.example.com.", Client: netip.MustParseAddr("192.0.2.1"), QType: dns.TypeA, Bytes: 100}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i.Record(e)
		}
	})
}

// BenchmarkAggregate is how many events per second the aggregator counts, on a flood of
// random names from random addresses (the worst case: nearly every key evicts another).
func BenchmarkAggregate(b *testing.B) {
	clk := newClock()
	i := New(Config{Now: clk.Now})
	r := rand.New(rand.NewPCG(1, 1))
	items := make([]item, 1<<16)
	for k := range items {
		items[k] = item{event: Event{
			Name:   strconv.FormatUint(r.Uint64(), 36) + "." + strconv.FormatUint(r.Uint64()%100000, 36) + ".com.",
			Client: netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}),
			QType:  dns.TypeA, Rcode: r.IntN(4), Bytes: 100,
		}, at: clk.Now().UnixNano()}
	}
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		it := items[n%len(items)]
		it.at += int64(n) * int64(time.Microsecond)
		i.mu.Lock()
		i.count(&it)
		i.mu.Unlock()
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkTopFull is one top-10 query over a full window: every bucket's summary full of
// distinct keys, all merged (what the API and each dynamic threshold pay per query).
func BenchmarkTopFull(b *testing.B) {
	clk := newClock()
	c := Config{Now: clk.Now}
	i := New(c)
	r := rand.New(rand.NewPCG(2, 2))
	for range c.withDefaults().Buckets {
		for range 2 * DefaultCapacity {
			i.Record(Event{Client: netip.AddrFrom4([4]byte{10, byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}), Name: "x."})
		}
		i.Flush()
		clk.Advance(c.withDefaults().bucketWidth())
	}
	clk.Advance(-time.Nanosecond)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := i.Top(Query{Dimension: Clients, N: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

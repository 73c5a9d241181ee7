package inspect

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// BenchmarkRecord is the query path's cost: one enqueue (or, when the aggregator falls
// behind, one counted drop). It must not allocate.
func BenchmarkRecord(b *testing.B) {
	i := New(Config{})
	i.Start()
	defer i.Stop()
	e := Event{Name: "www.example.com.", Client: netip.MustParseAddr("192.0.2.1"), QType: dns.TypeA, Bytes: 100}
	b.ReportAllocs()
	for b.Loop() {
		i.Record(e)
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

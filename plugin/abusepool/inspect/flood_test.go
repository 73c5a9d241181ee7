package inspect

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// flood records n events over one window: random sub-domains of random zones from random
// addresses, with three heavy hitters mixed in. It returns the true counts of the hitters.
func flood(i *Inspector, clk *clock, r *rand.Rand, n int, window time.Duration) map[string]uint64 {
	truth := map[string]uint64{}
	step := window / time.Duration(n)
	for k := range n {
		e := Event{QType: dns.TypeA, Rcode: dns.RcodeSuccess, Bytes: 60}
		e.Client = netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
		switch x := r.IntN(100); {
		case x < 10: // a random-subdomain attack on one zone
			e.Name = strconv.FormatUint(r.Uint64(), 36) + ".t-ipnet.de."
			e.Rcode = dns.RcodeNameError
			truth["t-ipnet.de."]++
		case x < 15: // one busy client
			e.Name = strconv.FormatUint(r.Uint64(), 36) + ".example.com."
			e.Client = netip.MustParseAddr("192.0.2.99")
			truth["192.0.2.99"]++
		case x < 18: // one popular name
			e.Name = "hot.example.net."
			truth["hot.example.net."]++
		default:
			e.Name = strconv.FormatUint(r.Uint64(), 36) + "." + strconv.FormatUint(r.Uint64()%100000, 36) + ".com."
		}
		i.Record(e)
		clk.Advance(step)
		if k%20000 == 0 {
			i.Flush() // the test wants every event counted, not sampled
		}
	}
	i.Flush()
	return truth
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestFloodMemoryFlatHittersFound: a million random names from random addresses leave the
// summaries' memory where the configuration bounds it, the heap flat from one half-million to
// the next, and the heavy hitters on top with bounds that hold their true counts.
func TestFloodMemoryFlatHittersFound(t *testing.T) {
	n := 500_000 // per half
	if testing.Short() {
		n = 50_000
	}
	cfg := Config{Window: 60 * time.Second, Buckets: 12, Capacity: 1000, GroupLabels: 3}
	i, clk := started(t, cfg)
	r := rand.New(rand.NewPCG(13, 13))
	bound := MaxMemoryBytes(cfg)

	heap0 := heapInUse()
	start := time.Now()
	flood(i, clk, r, n, cfg.Window)
	t.Logf("first half: %d events recorded and counted in %s (%.0f events/s, event generation included)",
		n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	mem1, heap1 := i.MemoryBytes(), heapInUse()
	truth := flood(i, clk, r, n, cfg.Window)
	mem2, heap2 := i.MemoryBytes(), heapInUse()
	t.Logf("%d events: MemoryBytes %d after the first half, %d after the second (bound %d); heap %d -> %d -> %d bytes",
		2*n, mem1, mem2, bound, heap0, heap1, heap2)

	if mem1 > bound || mem2 > bound {
		t.Errorf("MemoryBytes %d, %d above the bound %d", mem1, mem2, bound)
	}
	if diff := float64(mem2) - float64(mem1); diff > 0.02*float64(mem1) || -diff > 0.02*float64(mem1) {
		t.Errorf("MemoryBytes moved from %d to %d", mem1, mem2)
	}
	if heap2 > heap1+heap1/10 {
		t.Errorf("heap grew from %d to %d over the second half", heap1, heap2)
	}

	clk.Advance(-time.Nanosecond) // the window holds exactly the second half
	for _, c := range []struct {
		q   Query
		key string
	}{
		{Query{Dimension: Names, N: 1, Labels: 2}, "t-ipnet.de."},
		{Query{Dimension: NXDomainNames, N: 1, Labels: 2}, "t-ipnet.de."},
		{Query{Dimension: Clients, N: 1}, "192.0.2.99"},
		{Query{Dimension: Clients24, N: 1}, "192.0.2.0/24"},
		{Query{Dimension: Names, N: 1}, "hot.example.net."},
	} {
		res, err := i.Top(c.q)
		if err != nil {
			t.Fatal(err)
		}
		e := res.Entries[0]
		want := truth[c.key]
		if c.key == "192.0.2.0/24" {
			want = truth["192.0.2.99"]
		}
		if e.Key != c.key || e.Count-e.Error > want || e.Count < want {
			t.Errorf("%s/%d top: %+v, want %s with %d inside [Count-Error, Count]", c.q.Dimension, c.q.Labels, e, c.key, want)
		}
		t.Logf("%s/%d: %s count %d error %d true %d of %d", c.q.Dimension, c.q.Labels, e.Key, e.Count, e.Error, want, res.Total)
	}
}

package zone

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/miekg/dns"
)

// kept counts the entries the table holds.
func (t *keptTable[K]) kept() int {
	n := 0
	for i := range t.slots {
		if t.slots[i].Load() != nil {
			n++
		}
	}
	return n
}

// BenchmarkLieBytes reports the heap one kept NSEC3 white lie costs (lie-B/op), the figure
// behind the table's bound in the README: denials of new names, each keeping one lie that covers
// its name (the closest encloser's and the wildcard's are shared), each asked twice as a lie is
// kept the second time, over the lies kept.
func BenchmarkLieBytes(b *testing.B) {
	z := denialServed(b, true)[0]
	z.Lookup(context.Background(), Query{Name: "warm.example.org.", Type: dns.TypeA, DO: true}, servedZones{z})
	heapPerKept(b, &lies, "lie-B", min(b.N, lieSlots/2), func(i int) Query {
		return Query{Name: fmt.Sprintf("n%07d.example.org.", i), Type: dns.TypeA, DO: true}
	})
}

// heapPerKept asks z n new questions twice each (kept the second time) and
// reports the heap that left over the entries t gained, as metric. n should
// leave most entries a slot of their own: one that takes another's frees it.
func heapPerKept[K comparable](b *testing.B, t *keptTable[K], metric string, n int, question func(int) Query) {
	z := denialServed(b, true)[0]
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := t.kept()
	for i := range n {
		q := question(i)
		z.Lookup(context.Background(), q, servedZones{z})
		z.Lookup(context.Background(), q, servedZones{z})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(t.kept()-kept), metric)
}

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
	served := servedZones{z}
	z.Lookup(context.Background(), Query{Name: "warm.example.org.", Type: dns.TypeA, DO: true}, served)
	n := min(b.N, lieSlots/2) // mostly in slots of their own
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := lies.kept()
	for i := range n {
		q := Query{Name: fmt.Sprintf("n%07d.example.org.", i), Type: dns.TypeA, DO: true}
		z.Lookup(context.Background(), q, served)
		z.Lookup(context.Background(), q, served) // kept the second time
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept = lies.kept() - kept // a lie that took another's slot freed it
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(kept), "lie-B")
}

package zone

import (
	"context"
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkDenial: NXDOMAIN and NODATA with DO in a zone of some 1,000 and
// one of some 100,000 owners (bigRecords, with a delegation, so the cut checks run), pre-signed
// (no records to copy: the baseline), NSEC and NSEC3 (salt, 2 iterations).
// Run with -benchtime 2000x.
func BenchmarkDenial(b *testing.B) {
	for _, records := range []int{1350, 135000} {
		b.Run(fmt.Sprintf("records=%d", records), func(b *testing.B) { benchDenial(b, records) })
	}
}

func benchDenial(b *testing.B, records int) {
	base := build(b, "big.example.", bigRecords("big.example.", records))
	owners := 0
	base.Walk(func(string, []dns.RR) bool { owners++; return true })
	modes := []struct {
		name string
		z    *Zone
	}{
		{"none", base},
		{"NSEC", base.WithDenial(&Denial{ApexTypes: []uint16{dns.TypeDNSKEY}})},
		{"NSEC3", base.WithDenial(&Denial{NSEC3: testParam3, ApexTypes: []uint16{dns.TypeDNSKEY}})},
	}
	nx := make([]string, 1024)
	for i := range nx {
		nx[i] = fmt.Sprintf("h%07dx.big.example.", i*97)
	}
	for _, m := range modes {
		for _, c := range []struct {
			name   string
			qtype  uint16
			result Result
			qname  func(i int) string
		}{
			{"NXDOMAIN", dns.TypeA, NameError, func(i int) string { return nx[i%len(nx)] }},
			{"NODATA", dns.TypeMX, NoData, func(i int) string { return fmt.Sprintf("h%07d.big.example.", (i*97)%(records/2)) }},
		} {
			names := make([]string, 1024)
			for i := range names {
				names[i] = c.qname(i)
			}
			b.Run(m.name+"/"+c.name, func(b *testing.B) {
				served := servedZones{m.z}
				i := 0
				for b.Loop() {
					a := m.z.Lookup(context.Background(), Query{Name: names[i%len(names)], Type: c.qtype, DO: true}, served)
					if a.Result != c.result || m.z.Denial() != nil && len(a.Ns) < 2 {
						b.Fatalf("%s: %s", names[i%len(names)], show(a))
					}
					i++
				}
				b.ReportMetric(float64(owners), "owners")
			})
		}
	}
}

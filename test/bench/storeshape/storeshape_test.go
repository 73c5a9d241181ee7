package storeshape

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// TestStoresAnswerAlike checks that the two stores answer every query shape
// the benchmark asks with the same rcode and the same records in every
// section (additional records in any order), so that the benchmark compares
// like with like.
func TestStoresAnswerAlike(t *testing.T) {
	const zones = 50
	stores := map[string]store{"engine": newEngineStore(zones), "wire": newWireStore(zones), "flat": newFlatStore(zones)}
	for n := range 7 * zones {
		name, qtype := query(n, zones)
		got := map[string]string{}
		for label, s := range stores {
			m := new(dns.Msg)
			z, ok := s.find(name)
			if !ok {
				t.Fatalf("%s: no zone for %s", label, name)
			}
			s.answer(z, name, qtype, m)
			got[label] = sections(m)
		}
		for _, label := range []string{"wire", "flat"} {
			if got[label] != got["engine"] {
				t.Errorf("%s %s:\nengine: %s\n%s: %s", name, dns.TypeToString[qtype], got["engine"], label, got[label])
			}
		}
	}
}

// sections writes m's rcode and sections, the additional sorted.
func sections(m *dns.Msg) string {
	strs := func(rrs []dns.RR) []string {
		out := []string{}
		for _, rr := range rrs {
			out = append(out, rr.String())
		}
		return out
	}
	extra := strs(m.Extra)
	slices.Sort(extra)
	return fmt.Sprintf("rcode %s answer %q authority %q additional %q", dns.RcodeToString[m.Rcode], strs(m.Answer), strs(m.Ns), extra)
}

// BenchmarkStoreShape asks each store, holding 1,000 and then 100,000 zones
// (alone in memory each time, default GOGC), the same number of queries
// spread over all its zones, each answer made into a reply and packed as a
// server would, and reports per store and size: cpu-ns/q (the process's CPU
// per query, the collector's work included), allocs and bytes a query,
// collections, gc-cpu-ms (one full collection with the zones held), and the
// ratio large/small of cpu-ns/q. The first store at the first size is asked
// under b.Loop (which picks the count: -benchtime), the others as many
// queries.
//
//	go test -run '^$' -bench StoreShape -benchtime 600000x ./test/bench/storeshape
func BenchmarkStoreShape(b *testing.B) {
	sizes := []int{1000, 100000}
	shapes := []struct {
		name string
		make func(int) store
	}{
		{"engine", func(n int) store { return newEngineStore(n) }},
		{"wire", func(n int) store { return newWireStore(n) }},
		{"flat", func(n int) store { return newFlatStore(n) }},
	}
	queries := 0 // set by the first run
	next := func(i int) bool {
		if queries == 0 {
			return b.Loop()
		}
		return i < queries
	}
	for _, sh := range shapes {
		var small float64
		for _, n := range sizes {
			s := sh.make(n)
			gc := harness.CollectionCPU()
			r := ask(s, n, next)
			queries = r.n
			runtime.KeepAlive(s)
			label := fmt.Sprintf("%s-%dk", sh.name, n/1000)
			b.ReportMetric(r.cpuPerQ(), label+"-cpu-ns/q")
			b.ReportMetric(float64(r.bytes)/float64(queries), label+"-B/q")
			b.ReportMetric(float64(r.gcs), label+"-GCs")
			b.ReportMetric(float64(gc.Microseconds())/1000, label+"-gc-cpu-ms")
			if n == sizes[0] {
				small = r.cpuPerQ()
			} else {
				b.ReportMetric(r.cpuPerQ()/small, sh.name+"-ratio")
			}
			s = nil
			runtime.GC()
		}
	}
}

type result struct {
	cpu   time.Duration
	n     int
	bytes uint64
	gcs   uint32
}

func (r result) cpuPerQ() float64 { return float64(r.cpu.Nanoseconds()) / float64(max(r.n, 1)) }

// ask sends s query i (spread over its zones) for each i that next gives,
// packing each reply.
func ask(s store, zones int, next func(i int) bool) result {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	buf := make([]byte, 0, 4096)
	cpu := harness.ProcessCPU()
	n := 0
	for ; next(n); n++ {
		name, qtype := query(n, zones)
		req := new(dns.Msg)
		req.SetQuestion(name, qtype)
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		if z, ok := s.find(name); ok {
			s.answer(z, name, qtype, m)
		}
		var err error
		if buf, err = m.PackBuffer(buf[:0]); err != nil {
			panic(err)
		}
	}
	r := result{cpu: harness.ProcessCPU() - cpu, n: n}
	runtime.ReadMemStats(&after)
	r.bytes, r.gcs = after.TotalAlloc-before.TotalAlloc, after.NumGC-before.NumGC
	return r
}

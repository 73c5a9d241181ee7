package sqlsign

import (
	"context"
	"encoding/binary"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkSignNew: one RRset never seen before (A records that change at
// every iteration), signed by one ZSK (RSA: the CSK) of each algorithm.
func BenchmarkSignNew(b *testing.B) {
	w := newWorld(b)
	for _, zc := range []struct {
		alg  string
		zone string
	}{{"8-RSASHA256-2048", "rsa.test."}, {"13-ECDSAP256", "example.org."}, {"15-ED25519", "ed.test."}} {
		b.Run(zc.alg, func(b *testing.B) {
			s := New([]string{"."}, b.N+1, w.src)
			rr := &dns.A{Hdr: dns.RR_Header{Name: "www." + zc.zone, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: make(net.IP, 4)}
			set := []dns.RR{rr}
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint32(rr.A, uint32(i))
				if len(s.signing(ctx, fixedNow, "").signSet(set)) != 1 {
					b.Fatal("not signed")
				}
			}
		})
	}
}

// BenchmarkSignCached: the same RRset again, its signature in the cache.
func BenchmarkSignCached(b *testing.B) {
	w := newWorld(b)
	set := rrs(b, "www.example.org. 60 IN A 192.0.2.1", "www.example.org. 60 IN A 192.0.2.2")
	ctx := context.Background()
	w.s.signing(ctx, fixedNow, "").signSet(set)
	b.ReportAllocs()
	for b.Loop() {
		if len(w.s.signing(ctx, fixedNow, "").signSet(set)) != 1 {
			b.Fatal("not signed")
		}
	}
}

// BenchmarkServeCached: a whole DO answer (A RRset + apex NS, both cached)
// through the handler, against the same answer without sqlsign in the way.
func BenchmarkServeCached(b *testing.B) {
	w := newWorld(b)
	for _, bc := range []struct {
		name string
		do   bool
	}{{"DO", true}, {"noDO", false}} {
		b.Run(bc.name, func(b *testing.B) {
			ask(b, w.s, "www.example.org.", dns.TypeA, bc.do)
			b.ReportAllocs()
			for b.Loop() {
				ask(b, w.s, "www.example.org.", dns.TypeA, bc.do)
			}
		})
	}
	b.Run("dataOnly", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ask(b, &SQLSign{Next: w.data.handler()}, "www.example.org.", dns.TypeA, true)
		}
	})
}

// BenchmarkCacheEntryBytes reports the heap a cache entry costs, with
// signatures of the size each algorithm makes (base64, as miekg/dns keeps it).
func BenchmarkCacheEntryBytes(b *testing.B) {
	const n = 100000
	for _, sc := range []struct {
		alg    string
		sigLen int // raw signature bytes
	}{{"RSA-2048", 256}, {"ECDSAP256", 64}, {"ED25519", 64}} {
		b.Run(sc.alg, func(b *testing.B) {
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				c := newSigCache(n)
				sig := strings.Repeat("A", (sc.sigLen+2)/3*4)
				for i := range n {
					// Its own signature string, as each signing makes.
					c.add(sigKey{uint64(i), uint64(i)}, &dns.RRSIG{Signature: strings.Clone(sig), SignerName: "example.org."})
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/entry")
				runtime.KeepAlive(c)
			}
		})
	}
}

// BenchmarkAnswerMemoEntryBytes reports the heap one remembered answer costs:
// two A records and their RRSIG, the apex NS and its RRSIG, as www.example.org
// is answered, with the records' and signatures' own memory not counted (the
// zone and the signature cache hold those).
func BenchmarkAnswerMemoEntryBytes(b *testing.B) {
	w := newWorld(b)
	ask(b, w.s, "www.example.org.", dns.TypeA, true)
	var one signedAnswer
	for _, v := range w.s.answers.shards {
		for _, slot := range v.slots {
			one = slot.val
		}
	}
	const n = 100000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := newAnswerMemo(n * answerMemoShare)
		res := &dns.Msg{Answer: one.answer, Ns: one.ns}
		for i := range n {
			as := &answerSigning{zone: w.org, inception: one.inception, added: one.sigs}
			m.add(sigKey{uint64(i), uint64(i)}, res, slices.Clone(one.signedAnswer), slices.Clone(one.signedNs), as)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/entry")
		runtime.KeepAlive(m)
	}
}

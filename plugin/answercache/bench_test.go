package answercache

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// BenchmarkHit is the plugin-level hit path: key, hash, lookup, copy, patch, write to a
// discarding writer behind the server's ScrubWriter. It must not allocate.
func BenchmarkHit(b *testing.B) {
	c, _, ctx := newTest(b, false)
	r := query("WWW.example.org.", dns.TypeA)
	r.SetEdns0(1232, true)
	w := &wire{addr: udp4}
	sw := request.NewScrubWriter(r, w)
	if _, err := c.ServeDNS(ctx, sw, r.Copy()); err != nil {
		b.Fatal(err)
	}
	hits := count(b, "hits")
	if _, err := c.ServeDNS(ctx, sw, r); err != nil || count(b, "hits") != hits+1 {
		b.Fatalf("no hit: %v", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Id = uint16(i)
		c.ServeDNS(ctx, sw, r)
	}
}

// oneOff returns n queries for names never asked before.
func oneOff(n int) []*dns.Msg {
	qs := make([]*dns.Msg, n)
	for i := range qs {
		qs[i] = query(fmt.Sprintf("r%d.example.org.", i), dns.TypeA)
	}
	return qs
}

// BenchmarkMiss is a miss of a one-off name (the random sub-domain mix) with admission:
// key, lookup, doorkeeper, recorder, and the fake data plugin below, which is
// BenchmarkNoCache alone.
func BenchmarkMiss(b *testing.B) {
	c, _, ctx := newTest(b, true)
	benchMiss(b, c.ServeDNS, ctx)
}

// BenchmarkMissStore is a miss that is stored (admission off): capture, pack, store.
func BenchmarkMissStore(b *testing.B) {
	c, _, ctx := newTest(b, false)
	benchMiss(b, c.ServeDNS, ctx)
}

// BenchmarkNoCache is the fake data plugin alone, the baseline of the misses.
func BenchmarkNoCache(b *testing.B) {
	_, d, ctx := newTest(b, true)
	benchMiss(b, d.ServeDNS, ctx)
}

func benchMiss(b *testing.B, serve func(context.Context, dns.ResponseWriter, *dns.Msg) (int, error), ctx context.Context) {
	qs := oneOff(b.N)
	w := &wire{addr: udp4}
	b.ReportAllocs()
	b.ResetTimer()
	for _, r := range qs {
		serve(ctx, request.NewScrubWriter(r, w), r)
	}
}

// BenchmarkFastHit is the fast path's hit: key from the wire, hash, lookup, copy, patch.
// The socket's batched read and write are outside (test/bench/hotpath.sh measures them).
// It must not allocate.
func BenchmarkFastHit(b *testing.B) {
	benchFastHit(b, nil)
}

// BenchmarkFastHitReported is BenchmarkFastHit with the hit counted in the prometheus
// plugin's coredns_dns_* metrics, as in a block with prometheus.
func BenchmarkFastHitReported(b *testing.B) {
	benchFastHit(b, newFastReport(metrics.New("127.0.0.1:0")))
}

func benchFastHit(b *testing.B, report *fastReport) {
	c, _, ctx := newTest(b, false)
	r := query("WWW.example.org.", dns.TypeA)
	r.SetEdns0(1232, true)
	ask(b, ctx, c, r, udp4)
	pkt, err := r.Pack()
	if err != nil {
		b.Fatal(err)
	}
	p := &fastPath{c: c, m: c.metrics.get(serverOf(b))}
	dst := make([]byte, maxUDPAnswer)
	var (
		key  [keyMax]byte
		meta entryMeta
	)
	if n, _ := p.hit(pkt, dst, key[:0], &meta, c.clock.Now()); n == 0 {
		b.Fatal("no hit")
	}
	start := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pkt[1] = byte(i)
		n, k := p.hit(pkt, dst, key[:0], &meta, c.clock.Now())
		report.hit("dns://127.0.0.1:0", pkt, k, meta.rcode, n, start)
	}
}

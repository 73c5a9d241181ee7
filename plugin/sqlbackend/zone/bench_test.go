package zone

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"
)

// The benchmarks run file.Zone and Zone side by side in one run and report
// both and their ratio (zone/file). Memory ones build once per iteration:
// run them with -benchtime=1x.

// shapeRecords returns the test/bench shape of a small zone, 10 records:
// SOA, 2 NS, MX, TXT, ns1 A, mail A, www A and AAAA, a wildcard A. Every
// record has strings of its own, as parsed rows do.
func shapeRecords(origin string, i int) []dns.RR {
	h := func(name string, t uint16, ttl uint32) dns.RR_Header {
		return dns.RR_Header{Name: name + origin, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	ip := func(n int) net.IP { return net.IPv4(10, byte(i>>16), byte(i>>8), byte(i+n)).To4() }
	return []dns.RR{
		&dns.SOA{Hdr: h("", dns.TypeSOA, 3600), Ns: "ns1." + origin, Mbox: "hostmaster." + origin, Serial: 1, Refresh: 7200, Retry: 3600, Expire: 1209600, Minttl: 300},
		&dns.NS{Hdr: h("", dns.TypeNS, 3600), Ns: "ns1." + origin},
		&dns.NS{Hdr: h("", dns.TypeNS, 3600), Ns: "ns2.example.net."},
		&dns.MX{Hdr: h("", dns.TypeMX, 3600), Preference: 10, Mx: "mail." + origin},
		&dns.TXT{Hdr: h("", dns.TypeTXT, 3600), Txt: []string{"v=spf1 mx -all"}},
		&dns.A{Hdr: h("ns1.", dns.TypeA, 3600), A: ip(1)},
		&dns.A{Hdr: h("mail.", dns.TypeA, 3600), A: ip(2)},
		&dns.A{Hdr: h("www.", dns.TypeA, 300), A: ip(3)},
		&dns.AAAA{Hdr: h("www.", dns.TypeAAAA, 300), AAAA: net.ParseIP(fmt.Sprintf("2001:db8::%x", i))},
		&dns.A{Hdr: h("*.", dns.TypeA, 300), A: ip(4)},
	}
}

// bigRecords returns one zone of n records: the shape's apex, then hosts
// with an A each, an AAAA on every 4th and a TXT on every 10th (as
// test/bench's big.example), and a delegation with glue.
func bigRecords(origin string, n int) []dns.RR {
	rrs := shapeRecords(origin, 0)[:5]
	h := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 300}
	}
	rrs = append(rrs, &dns.NS{Hdr: h("sub."+origin, dns.TypeNS), Ns: "ns.sub." + origin},
		&dns.A{Hdr: h("ns.sub."+origin, dns.TypeA), A: net.IPv4(192, 0, 2, 53).To4()},
		&dns.A{Hdr: h("mail."+origin, dns.TypeA), A: net.IPv4(192, 0, 2, 25).To4()})
	for i := 0; len(rrs) < n; i++ {
		host := fmt.Sprintf("h%07d.%s", i, origin)
		rrs = append(rrs, &dns.A{Hdr: h(host, dns.TypeA), A: net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).To4()})
		if i%4 == 0 {
			rrs = append(rrs, &dns.AAAA{Hdr: h(host, dns.TypeAAAA), AAAA: net.ParseIP(fmt.Sprintf("2001:db8::%x", i))})
		}
		if i%10 == 0 {
			rrs = append(rrs, &dns.TXT{Hdr: h(host, dns.TypeTXT), Txt: []string{fmt.Sprintf("host %d", i)}})
		}
	}
	return rrs[:n]
}

func fileZone(origin string, rrs []dns.RR) *file.Zone {
	z := file.NewZone(origin, "")
	for _, rr := range rrs {
		z.Insert(rr)
	}
	return z
}

// heapOf returns the live heap bytes and objects that what newValue returns
// holds (its records included).
func heapOf(newValue func() any) (bytes, objects float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := newValue()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc), float64(after.HeapObjects) - float64(before.HeapObjects)
}

// BenchmarkMemory: live heap per record, records included, file.Zone vs
// Zone, for 100,000 zones of 10 records and for one zone of 1,000,000. The
// records alone are measured too, so the structures' own cost shows.
func BenchmarkMemory(b *testing.B) {
	shapes := map[string]func() [][]dns.RR{
		"100000x10": func() [][]dns.RR {
			zs := make([][]dns.RR, 100000)
			for i := range zs {
				zs[i] = shapeRecords(fmt.Sprintf("z%06d.example.", i), i)
			}
			return zs
		},
		"1x1000000": func() [][]dns.RR { return [][]dns.RR{bigRecords("big.example.", 1000000)} },
	}
	for _, name := range []string{"100000x10", "1x1000000"} {
		b.Run(name, func(b *testing.B) {
			var recB, recO, fileB, fileO, zoneB, zoneO float64
			for b.Loop() {
				recB, recO = heapOf(func() any { return shapes[name]() })
				fileB, fileO = heapOf(func() any {
					var zs []*file.Zone
					for _, rrs := range shapes[name]() {
						zs = append(zs, fileZone(rrs[0].Header().Name, rrs))
					}
					return zs
				})
				zoneB, zoneO = heapOf(func() any {
					var zs []*Zone
					for _, rrs := range shapes[name]() {
						zs = append(zs, build(b, rrs[0].Header().Name, rrs))
					}
					return zs
				})
			}
			const n = 1e6
			b.ReportMetric(recB/n, "records-B/record")
			b.ReportMetric(fileB/n, "file-B/record")
			b.ReportMetric(zoneB/n, "zone-B/record")
			b.ReportMetric(fileO/n, "file-objects/record")
			b.ReportMetric(zoneO/n, "zone-objects/record")
			b.ReportMetric(recO/n, "records-objects/record")
			b.ReportMetric((zoneB-recB)/(fileB-recB), "zone/file-overhead")
			b.ReportMetric(zoneB/fileB, "zone/file")
		})
	}
}

// sideBySide times peer and ours, b.N calls each, and reports both, their
// ratio (ours/peer) and their allocations.
func sideBySide(b *testing.B, peer string, peerFn func(), ours string, oursFn func()) {
	measure := func(f func()) (ns, allocs float64) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m0 := ms.Mallocs
		t0 := time.Now()
		for range b.N {
			f()
		}
		d := time.Since(t0)
		runtime.ReadMemStats(&ms)
		return float64(d.Nanoseconds()) / float64(b.N), float64(ms.Mallocs-m0) / float64(b.N)
	}
	b.ResetTimer()
	pns, pal := measure(peerFn)
	ons, oal := measure(oursFn)
	b.ReportMetric(pns, peer+"-ns/op")
	b.ReportMetric(ons, ours+"-ns/op")
	b.ReportMetric(ons/pns, ours+"/"+peer)
	b.ReportMetric(pal, peer+"-allocs/op")
	b.ReportMetric(oal, ours+"-allocs/op")
}

// BenchmarkLookup: file.Zone.Lookup and Zone.Lookup on the same queries, in
// a zone of 100,000 records and one of the small shape.
func BenchmarkLookup(b *testing.B) {
	big := bigRecords("big.example.", 100000)
	fbig, zbig := fileZone("big.example.", copyRRs(big)), build(b, "big.example.", copyRRs(big))
	small := shapeRecords("small.example.", 1)
	fsmall, zsmall := fileZone("small.example.", copyRRs(small)), build(b, "small.example.", copyRRs(small))
	for _, c := range []struct {
		name  string
		fz    *file.Zone
		z     *Zone
		qname string
		qtype uint16
		want  Result
	}{
		{"hit", fbig, zbig, "h0050000.big.example.", dns.TypeA, Success},
		{"nxdomain", fbig, zbig, "nothere.big.example.", dns.TypeA, NameError},
		{"nodata", fbig, zbig, "h0050001.big.example.", dns.TypeMX, NoData},
		{"referral", fbig, zbig, "www.sub.big.example.", dns.TypeA, Delegation},
		{"wildcard", fsmall, zsmall, "anything.small.example.", dns.TypeA, Success},
		{"mx-additional", fsmall, zsmall, "small.example.", dns.TypeMX, Success},
		{"small-hit", fsmall, zsmall, "www.small.example.", dns.TypeA, Success},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := Query{Name: c.qname, Type: c.qtype}
			served := servedZones{c.z}
			if a := c.z.Lookup(context.Background(), q, served); a.Result != c.want {
				b.Fatalf("result %d, want %d: %s", a.Result, c.want, show(a))
			}
			m := new(dns.Msg)
			m.SetQuestion(c.qname, c.qtype)
			ctx := context.Background()
			sideBySide(b, "file", func() {
				state := requestFor(m)
				c.fz.Lookup(ctx, state, c.qname)
			}, "zone", func() {
				c.z.Lookup(ctx, q, served)
			})
		})
	}
}

// BenchmarkBuild: building a zone of 1,000,000 records.
func BenchmarkBuild(b *testing.B) {
	rrs := bigRecords("big.example.", 1000000)
	sideBySide(b, "file", func() { fileZone("big.example.", rrs) }, "zone", func() { build(b, "big.example.", rrs) })
}

// BenchmarkPatch: one record changed and the SOA serial bumped in a zone
// of 1,000,000 records, patched vs built again.
func BenchmarkPatch(b *testing.B) {
	rrs := bigRecords("big.example.", 1000000)
	z := build(b, "big.example.", rrs)
	old := z.RRset("h0500000.big.example.", dns.TypeA)[0]
	soa := dns.Copy(z.SOA()).(*dns.SOA)
	soa.Serial++
	changed := &dns.A{Hdr: *old.Header(), A: net.IPv4(10, 99, 99, 99).To4()}
	b.Run("patch-vs-rebuild", func(b *testing.B) {
		sideBySide(b, "rebuild", func() { build(b, "big.example.", rrs) }, "patch", func() {
			if _, _, err := z.Patch([]dns.RR{z.SOA(), old}, []dns.RR{soa, changed}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

func requestFor(m *dns.Msg) request.Request {
	return request.Request{W: &test.ResponseWriter{}, Req: m}
}

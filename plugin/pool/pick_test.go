package pool

import (
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

func members(weights ...uint16) []dns.RR {
	var rrs []dns.RR
	for i, w := range weights {
		hdr := dns.RR_Header{Name: "p.example.", Rrtype: rrtypes.TypePOOL, Class: dns.ClassINET, Ttl: 60}
		rrs = append(rrs, rrtypes.NewPOOL(hdr, string(rune('a'+i))+".example.", w))
	}
	return rrs
}

func TestPickSkipsDownAndZeroWeight(t *testing.T) {
	rrs := members(1, 5, 1)
	onlyB := func(target string) bool { return target == "b.example." }
	for range 100 {
		rr, allDown := pick(rrs, true, onlyB)
		if p, _ := rrtypes.AsPOOL(rr); p.Target != "b.example." || allDown {
			t.Fatalf("picked %v (all down %v), want b, the only member up", rr, allDown)
		}
	}
	seen := map[string]bool{}
	for range 200 {
		rr, allDown := pick(rrs, true, func(string) bool { return false })
		if !allDown {
			t.Fatal("all members down not reported")
		}
		p, _ := rrtypes.AsPOOL(rr)
		seen[p.Target] = true
	}
	if len(seen) != 3 {
		t.Errorf("with all down picked %v, want every member", seen)
	}
	if rr, _ := pick(nil, true, nil); rr != nil {
		t.Errorf("picked %v from no members", rr)
	}
	// A non-POOL record among them is never picked.
	a := &dns.A{Hdr: dns.RR_Header{Name: "p.example.", Rrtype: dns.TypeA, Class: dns.ClassINET}}
	for range 50 {
		if rr, _ := pick([]dns.RR{a, rrs[0]}, true, nil); rr != rrs[0] {
			t.Fatalf("picked %v", rr)
		}
	}
}

func BenchmarkPick(b *testing.B) {
	rrs := members(1, 2, 3, 4)
	b.ReportAllocs()
	for b.Loop() {
		pick(rrs, true, nil)
	}
}

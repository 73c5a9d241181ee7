package flatten

import (
	"slices"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

func pools(members ...any) []dns.RR {
	var rrs []dns.RR
	for i := 0; i < len(members); i += 2 {
		hdr := dns.RR_Header{Name: "www.example.org.", Class: dns.ClassINET, Ttl: 60}
		rrs = append(rrs, rrtypes.NewPOOL(hdr, members[i].(string), uint16(members[i+1].(int))))
	}
	return rrs
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name  string
		rrs   []dns.RR
		want  string
		empty bool
	}{
		{"highest weight", pools("a.example.net.", 1, "z.example.net.", 9), "z.example.net.", false},
		{"tie: first in order", pools("c.example.net.", 5, "B.example.net.", 5, "d.example.net.", 5), "B.example.net.", false},
		{"case tie", pools("a.EXAMPLE.net.", 1, "A.example.net.", 1), "A.example.net.", false},
		{"one", pools("only.example.net.", 1), "only.example.net.", false},
		{"none", nil, "", true},
		{"not pools", []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeA}}}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := Choose(tc.rrs)
			if ok == tc.empty {
				t.Fatalf("ok = %v", ok)
			}
			if ok && (c.Target != tc.want || c.Hdr.Ttl != 60 || c.Hdr.Name != "www.example.org.") {
				t.Errorf("chose %v, want target %s", c, tc.want)
			}
			r := slices.Clone(tc.rrs)
			slices.Reverse(r)
			if c2, _ := Choose(r); ok && c2.Target != c.Target {
				t.Errorf("order changed the choice: %s then %s", c.Target, c2.Target)
			}
		})
	}
}

// FuzzChoose: whatever the members, the choice has the highest weight and does not
// depend on the order of the records.
func FuzzChoose(f *testing.F) {
	f.Add("a.example.", uint16(1), "b.example.", uint16(1), "c.example.", uint16(0))
	f.Add("B.x.", uint16(7), "b.x.", uint16(7), "a.x.", uint16(6))
	f.Fuzz(func(t *testing.T, a string, wa uint16, b string, wb uint16, c string, wc uint16) {
		var rrs []dns.RR
		for _, m := range []struct {
			n string
			w uint16
		}{{a, wa}, {b, wb}, {c, wc}} {
			if _, ok := dns.IsDomainName(m.n); !ok {
				continue
			}
			rrs = append(rrs, rrtypes.NewPOOL(dns.RR_Header{Name: "p.example.", Class: dns.ClassINET}, m.n, m.w))
		}
		chosen, ok := Choose(rrs)
		if !ok {
			return
		}
		top := uint16(0)
		var w uint16
		for _, rr := range rrs {
			p, _ := rrtypes.AsPOOL(rr)
			top = max(top, weight(p))
			if p.Target == chosen.Target {
				w = max(w, weight(p))
			}
		}
		if w != top {
			t.Fatalf("chose %s of weight %d, the highest is %d", chosen.Target, w, top)
		}
		for i := range rrs {
			r := append(slices.Clone(rrs[i:]), rrs[:i]...)
			if c2, _ := Choose(r); c2.Target != chosen.Target {
				t.Fatalf("rotation %d chose %s, not %s", i, c2.Target, chosen.Target)
			}
		}
	})
}

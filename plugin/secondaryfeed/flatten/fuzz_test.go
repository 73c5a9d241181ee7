package flatten

import (
	"context"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/validate"

	"github.com/miekg/dns"
)

// FuzzZone runs Zone over whatever records a zone text holds: it must not panic, keep
// every standard record, and leave no ALIAS, POOL or URL record.
func FuzzZone(f *testing.F) {
	f.Add(head + "@ 300 IN ALIAS lb.example.net.\nwww 60 IN POOL a.example.net. 3")
	f.Add(head + "* 1 IN ALIAS *.example.org.\na 1 IN CNAME a\nb 1 IN POOL b.example.org. 1")
	f.Add(head + `go 300 IN URL "http://x.example/" 307 nopath` + "\nother. 1 IN ALIAS x.")
	f.Add("@ 1 IN TYPE65401 \\# 0\n@ 1 IN TYPE65460 \\# 2 0001")
	f.Fuzz(func(t *testing.T, text string) {
		zp := dns.NewZoneParser(strings.NewReader(text), origin, "fuzz")
		var rrs []dns.RR
		for rr, ok := zp.Next(); ok && len(rrs) < 200; rr, ok = zp.Next() {
			rrs = append(rrs, rr)
		}
		// The chain answers every name with an address of its own, or SERVFAIL.
		lookup := func(_ context.Context, name string, qtype uint16) *dns.Msg {
			m := new(dns.Msg)
			m.SetQuestion(name, qtype)
			if len(name)%3 == 0 {
				m.Rcode = dns.RcodeServerFailure
				return m
			}
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: []byte{192, 0, 2, 1}}}
			return m
		}
		out, _, refresh := Zone(context.Background(), origin, rrs, lookup, NewMemory(), Options{})
		if refresh < DefaultMin || refresh > DefaultMax {
			t.Fatalf("refresh %s out of bounds", refresh)
		}
		kept := map[dns.RR]bool{}
		for _, rr := range out {
			if rrtypes.IsSpecial(rr.Header().Rrtype) {
				t.Fatalf("left in the zone: %s", rr)
			}
			kept[rr] = true
		}
		for _, rr := range rrs {
			if !rrtypes.IsSpecial(rr.Header().Rrtype) && !kept[rr] {
				t.Fatalf("lost: %s", rr)
			}
		}
		validate.Zone(origin, out)
	})
}

// FuzzDecode: a stored result that Decode accepts encodes and decodes to the same.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"rrs":["a.example. 60 IN A 192.0.2.1"],"resolved":1,"ttl":60,"source":"x"}`))
	f.Add([]byte(`{"rrs":["$INCLUDE /etc/passwd"]}`))
	f.Add([]byte(`{"rrs":[""]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			return
		}
		e, err := Encode(r)
		if err != nil {
			t.Fatalf("encoding what was decoded: %v", err)
		}
		r2, err := Decode(e)
		if err != nil {
			t.Fatalf("decoding what was encoded: %v", err)
		}
		if strings.Join(texts(r.RRs), "\n") != strings.Join(texts(r2.RRs), "\n") || r.TTL != r2.TTL || r.Source != r2.Source || !r.Resolved.Equal(r2.Resolved) {
			t.Fatalf("round trip changed %+v into %+v", r, r2)
		}
	})
}

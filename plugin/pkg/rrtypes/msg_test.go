package rrtypes

import (
	"bytes"
	"testing"

	"github.com/miekg/dns"
)

// answer has the rdata names repeat the owner names, so a packer that
// compressed them would have something to point at.
func answer(t *testing.T) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	for _, s := range []string{
		"example.org. 300 IN URL \"https://example.org/a b\" 302",
		"example.org. 300 IN ALIAS www.example.org.",
		"www.example.org. 300 IN POOL example.org. 5",
		"www.example.org. 300 IN URL https://example.org/" + longURL[8:],
		"www.example.org. 300 IN POOL www.example.org. 6",
		"example.org. 300 IN A 192.0.2.1",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("NewRR(%q): %v", s, err)
		}
		rrs = append(rrs, rr)
	}
	return rrs
}

func TestMsg(t *testing.T) {
	for _, compress := range []bool{false, true} {
		m := new(dns.Msg)
		m.SetQuestion("example.org.", dns.TypeANY)
		m.Answer = answer(t)
		m.Extra = answer(t)
		m.Compress = compress

		m1 := throughWire(t, m)
		want := answer(t)
		for i, rr := range append(m1.Answer, m1.Extra...) {
			if rr.String() != want[i%len(want)].String() {
				t.Errorf("compress %v: RR %d is %q, want %q", compress, i, rr, want[i%len(want)])
			}
		}

		// The rdata is the same octets whatever else is in the message.
		buf, _ := m.Pack()
		for _, rr := range want {
			if !IsSpecial(rr.Header().Rrtype) {
				continue
			}
			rdata := make([]byte, rr.(*dns.PrivateRR).Data.Len())
			rr.(*dns.PrivateRR).Data.Pack(rdata)
			if !bytes.Contains(buf, rdata) {
				t.Errorf("compress %v: rdata of %q not found uncompressed in the message", compress, rr)
			}
		}
	}
}

// TestMsgURLNotLast checks a URL followed by more RRs: its rdata has no end
// marker, so this only works while miekg/dns hands Unpack just the rdata.
func TestMsgURLNotLast(t *testing.T) {
	m := new(dns.Msg)
	m.Answer = []dns.RR{
		NewURL(dns.RR_Header{Name: "a.example.org."}, "https://a.example/", 307),
		NewALIAS(dns.RR_Header{Name: "b.example.org."}, "b.example."),
	}
	m1 := throughWire(t, m)
	u, ok := AsURL(m1.Answer[0])
	if !ok || u.Target != "https://a.example/" || u.Code != 307 {
		t.Errorf("got %v", m1.Answer[0])
	}
	if a, ok := AsALIAS(m1.Answer[1]); !ok || a.Target != "b.example." {
		t.Errorf("got %v", m1.Answer[1])
	}
}

func TestCopy(t *testing.T) {
	for _, s := range canonical {
		rr, _ := dns.NewRR(s)
		cp := dns.Copy(rr)
		if cp.String() != s {
			t.Errorf("Copy(%q) = %q", s, cp)
		}
		// Change the original; the copy must not follow.
		switch d := rr.(*dns.PrivateRR).Data.(type) {
		case *ALIAS:
			d.Target = "changed."
		case *POOL:
			d.Target, d.Weight = "changed.", 99
		case *URL:
			d.Target, d.Code = "https://changed/", 308
		}
		rr.Header().Name = "changed."
		if cp.String() != s {
			t.Errorf("copy of %q changed with the original: %q", s, cp)
		}
		// And the copy is usable on its own.
		if _, err := dns.PackRR(cp, make([]byte, dns.Len(cp)), 0, nil, false); err != nil {
			t.Errorf("PackRR of copy of %q: %v", s, err)
		}
	}
}

func TestCopyWrongType(t *testing.T) {
	if err := (&ALIAS{Target: "a."}).Copy(new(POOL)); err == nil {
		t.Error("ALIAS copied into POOL")
	}
	if err := (&POOL{Target: "a."}).Copy(new(URL)); err == nil {
		t.Error("POOL copied into URL")
	}
	if err := (&URL{Target: "http://a"}).Copy(new(ALIAS)); err == nil {
		t.Error("URL copied into ALIAS")
	}
}

func TestAPI(t *testing.T) {
	hdr := dns.RR_Header{Name: "example.org.", Ttl: 60}
	tests := []struct {
		rr   *dns.PrivateRR
		want string
	}{
		{NewALIAS(hdr, "target.example.net"), "example.org.\t60\tIN\tALIAS\ttarget.example.net."},
		{NewPOOL(hdr, "host.example.net.", 0), "example.org.\t60\tIN\tPOOL\thost.example.net. 1"},
		{NewPOOL(hdr, "host.example.net.", 9), "example.org.\t60\tIN\tPOOL\thost.example.net. 9"},
		{NewURL(hdr, "https://example.com/", 0), "example.org.\t60\tIN\tURL\t\"https://example.com/\" 301"},
		{NewURL(dns.RR_Header{Name: "example.org.", Class: dns.ClassCHAOS, Rrtype: dns.TypeA}, "http://a", 302), "example.org.\t0\tCH\tURL\t\"http://a\" 302"},
	}
	for _, tc := range tests {
		if got := tc.rr.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
		if !IsSpecial(tc.rr.Hdr.Rrtype) {
			t.Errorf("%q: not special", tc.rr)
		}
		// The result is a usable RR.
		m := new(dns.Msg)
		m.Answer = []dns.RR{tc.rr}
		if got := throughWire(t, m).Answer[0].String(); got != tc.want {
			t.Errorf("%q came through the wire as %q", tc.rr, got)
		}
	}

	a, aok := AsALIAS(tests[0].rr)
	p, pok := AsPOOL(tests[2].rr)
	u, uok := AsURL(tests[3].rr)
	if !aok || a.Target != "target.example.net." || !pok || p.Weight != 9 || !uok || u.Code != 301 {
		t.Errorf("As: %v %v %v", a, p, u)
	}
	for _, rr := range []dns.RR{nil, (*dns.PrivateRR)(nil), new(dns.A), tests[3].rr} {
		if _, ok := AsALIAS(rr); ok {
			t.Errorf("AsALIAS(%v) ok", rr)
		}
	}
	if _, ok := AsPOOL(tests[0].rr); ok {
		t.Error("AsPOOL(ALIAS) ok")
	}
	if _, ok := AsURL(tests[1].rr); ok {
		t.Error("AsURL(POOL) ok")
	}
	for _, q := range []uint16{dns.TypeA, dns.TypeCNAME, 65402, 65459, 65462} {
		if IsSpecial(q) {
			t.Errorf("IsSpecial(%d)", q)
		}
	}
	for q, s := range map[uint16]string{TypeALIAS: "ALIAS", TypePOOL: "POOL", TypeURL: "URL"} {
		if dns.TypeToString[q] != s || dns.StringToType[s] != q {
			t.Errorf("%d is not registered as %s", q, s)
		}
	}
}

package rrtypes

import (
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestPackShortBuffer(t *testing.T) {
	for _, s := range canonical {
		rr, _ := dns.NewRR(s)
		data := rr.(*dns.PrivateRR).Data
		for n := 0; n < data.Len(); n++ {
			if _, err := data.Pack(make([]byte, n)); !errors.Is(err, dns.ErrBuf) {
				t.Errorf("%q: Pack into %d octets: %v, want ErrBuf", s, n, err)
			}
		}
		// Through the RR, header included.
		for n := 0; n < dns.Len(rr); n++ {
			if _, err := dns.PackRR(rr, make([]byte, n), 0, nil, false); err == nil {
				t.Errorf("%q: PackRR into %d octets: no error", s, n)
			}
		}
	}
}

func TestPackInvalid(t *testing.T) {
	tests := []dns.PrivateRdata{
		&ALIAS{Target: "relative"},
		&ALIAS{Target: "a..b."},
		&POOL{Target: "relative", Weight: 1},
		&URL{Target: "https://a/", Code: 200},
		&URL{Target: "example.com/path"},
		&URL{Target: "https://a/\n"},
		&URL{Target: "https://a/" + strings.Repeat("x", maxURL)},
	}
	for _, d := range tests {
		buf := make([]byte, dns.MaxMsgSize+10)
		if _, err := d.Pack(buf); err == nil {
			t.Errorf("%T %q: Pack: no error", d, d.String())
		}
	}
}

// TestPackEmpty checks the zero rdata, found in dynamic updates and in RRs
// unpacked with an Rdlength of 0, packs as nothing.
func TestPackEmpty(t *testing.T) {
	for _, d := range []dns.PrivateRdata{new(ALIAS), new(POOL), new(URL)} {
		if n, err := d.Pack(nil); n != 0 || err != nil {
			t.Errorf("%T: Pack: %d, %v", d, n, err)
		}
		if d.Len() != 0 || d.String() != "" {
			t.Errorf("%T: Len %d, String %q", d, d.Len(), d.String())
		}
	}

	m := new(dns.Msg)
	m.SetQuestion("example.org.", TypePOOL)
	m.Answer = []dns.RR{NewPOOL(dns.RR_Header{Name: "example.org.", Class: dns.ClassANY}, "", 0)}
	m1 := throughWire(t, m)
	if p, ok := AsPOOL(m1.Answer[0]); !ok || *p != (POOL{}) || m1.Answer[0].Header().Rdlength != 0 {
		t.Errorf("got %v back", m1.Answer[0])
	}
}

func TestUnpackTruncated(t *testing.T) {
	for _, s := range canonical {
		rr, _ := dns.NewRR(s)
		data := rr.(*dns.PrivateRR).Data
		buf := make([]byte, data.Len())
		if _, err := data.Pack(buf); err != nil {
			t.Fatalf("Pack(%q): %v", s, err)
		}
		// A URL is as long as its rdata, cutting the URL is not noticed.
		end := len(buf)
		if _, ok := data.(*URL); ok {
			end = len("https://") + 2
		}
		for n := 0; n < end; n++ {
			fresh := dns.TypeToRR[rr.Header().Rrtype]().(*dns.PrivateRR).Data
			if _, err := fresh.Unpack(buf[:n]); err == nil {
				t.Errorf("%q: Unpack of %d octets: no error, got %q", s, n, fresh.String())
			}
		}
	}
}

func TestUnpackGarbage(t *testing.T) {
	tests := []struct {
		typ   uint16
		rdata string
		want  string
	}{
		{TypeALIAS, "\xc0\x0c", "compression"},
		{TypeALIAS, "\x01a\xc0\x00", "compression"},
		{TypeALIAS, "\x40" + strings.Repeat("a", 64) + "\x00", "compression"}, // 0x40: extended label type
		{TypeALIAS, "\x05ab", "truncated"},
		{TypeALIAS, strings.Repeat("\x3f"+label63, 4) + "\x00", "bad target"},
		{TypePOOL, "\x00\x00\x00", "weight"},
		{TypePOOL, "\x00\x01", "truncated"},
		{TypePOOL, "\x00\x01\xc0\x00", "compression"},
		{TypeURL, "\x01\x2d", "missing target"},
		{TypeURL, "\x00\xc8http://a", "redirect code"},
		{TypeURL, "\x01\x2dftp://a", "http or https"},
		{TypeURL, "\x01\x2dhttp://a/\x00", "bad URL"},
		{TypeURL, "\x01", "truncated"},
		{TypeURL, "\x41\x2dhttp://a", "unknown URL flags"},
		{TypeURL, "\x81\x00http://a", "redirect code"},
	}
	for _, tc := range tests {
		d := dns.TypeToRR[tc.typ]().(*dns.PrivateRR).Data
		if _, err := d.Unpack([]byte(tc.rdata)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: Unpack: %v, want an error about %q", dns.TypeToString[tc.typ], tc.rdata, err, tc.want)
		}
	}
}

// TestUnpackRRTrailing checks an rdata longer than its name is refused.
func TestUnpackRRTrailing(t *testing.T) {
	rr := NewALIAS(dns.RR_Header{Name: "example.org.", Ttl: 60}, "a.")
	buf := make([]byte, 100)
	n, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	buf[n-4]++ // Rdlength
	if _, _, err := dns.UnpackRR(buf[:n+1], 0); err == nil {
		t.Error("UnpackRR with an Rdlength past the name: no error")
	}
}

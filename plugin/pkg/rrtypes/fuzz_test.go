package rrtypes

import (
	"bytes"
	"testing"

	"github.com/miekg/dns"
)

func FuzzParseALIAS(f *testing.F) { fuzzParse(f, "ALIAS") }
func FuzzParsePOOL(f *testing.F)  { fuzzParse(f, "POOL") }
func FuzzParseURL(f *testing.F)   { fuzzParse(f, "URL") }

// fuzzParse feeds rdata text through dns.NewRR. Whatever parses must print,
// reparse, pack and unpack to the same record.
func fuzzParse(f *testing.F, typ string) {
	seeds := []string{
		"target.example.net.", ".", "a\\.b.example.", "\\097\\000.", maxTarget, "relative",
		"host.example.net. 1", "host. 65535", "host. 0", "host. 65536", "( host. 2 )", "host. 1 2",
		`"https://www.example.com/path?q=1" 301`, `https://a/ 308`, `"https://a/b c\"\\\255" 302`,
		`"` + longURL + `"`, `"https://a/\25"`, `"https://a/" "301" x`, `"http://a" ; c`,
		`"https://a/" 302 nopath`, `https://a/ nopath`, `https://a/ nopath nopath`, `https://a/ NOPATH 301`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rdata string) {
		rr, err := dns.NewRR("example.org. 300 IN " + typ + " " + rdata)
		if err != nil || rr == nil {
			return
		}
		s := rr.String()
		reparse(t, s)

		buf := make([]byte, dns.Len(rr))
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("%q: PackRR: %v", s, err)
		}
		if n != len(buf) {
			t.Fatalf("%q: Len %d, packed %d", s, len(buf), n)
		}
		rr2, _, err := dns.UnpackRR(buf, 0)
		if err != nil {
			t.Fatalf("%q: UnpackRR: %v", s, err)
		}
		if s2 := rr2.String(); s2 != s {
			t.Fatalf("%q: through the wire became %q", s, s2)
		}
	})
}

// FuzzUnpack feeds rdata octets to Unpack of the type picked by the first
// argument. What unpacks must pack to the same octets and print as text that
// parses back to it.
func FuzzUnpack(f *testing.F) {
	types := []uint16{TypeALIAS, TypePOOL, TypeURL}
	f.Add(uint8(0), []byte("\x06target\x07example\x03net\x00"))
	f.Add(uint8(0), []byte("\x00"))
	f.Add(uint8(0), []byte("\x03a.b\x00"))
	f.Add(uint8(0), []byte("\xc0\x0c"))
	f.Add(uint8(1), []byte("\x00\x05\x04host\x00"))
	f.Add(uint8(1), []byte("\x00\x00\x00"))
	f.Add(uint8(2), []byte("\x01\x2dhttps://a/b c\"\\\xff"))
	f.Add(uint8(2), []byte("\x01\x34http://a"))
	f.Add(uint8(2), []byte("\x01"))
	f.Add(uint8(2), []byte("\x81\x2dhttps://a/"))
	f.Add(uint8(2), []byte("\x41\x2dhttps://a/"))

	f.Fuzz(func(t *testing.T, pick uint8, rdata []byte) {
		typ := types[int(pick)%len(types)]
		d := dns.TypeToRR[typ]().(*dns.PrivateRR).Data
		n, err := d.Unpack(rdata)
		if err != nil {
			return
		}
		if n < 0 || n > len(rdata) {
			t.Fatalf("Unpack(%q) consumed %d octets", rdata, n)
		}
		if d.Len() != n {
			t.Fatalf("Unpack(%q) consumed %d octets, Len says %d", rdata, n, d.Len())
		}
		buf := make([]byte, d.Len())
		if m, err := d.Pack(buf); err != nil || !bytes.Equal(buf[:m], rdata[:n]) {
			t.Fatalf("Unpack(%q) packs as %q, %v", rdata[:n], buf, err)
		}

		rr := dns.TypeToRR[typ]().(*dns.PrivateRR)
		rr.Hdr = dns.RR_Header{Name: "example.org.", Rrtype: typ, Class: dns.ClassINET, Ttl: 300}
		if err := d.Copy(rr.Data); err != nil {
			t.Fatal(err)
		}
		reparse(t, rr.String())
	})
}

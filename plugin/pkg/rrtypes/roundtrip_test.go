package rrtypes

import (
	"bytes"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

var (
	label63 = strings.Repeat("a", 63)
	// maxTarget is 255 octets in wire format: 3*(1+63) + (1+61) + 1.
	maxTarget = label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 61) + "."
	longURL   = "https://www.example.com/" + strings.Repeat("p/", 200) + "?q=" + strings.Repeat("x", 100)
)

// canonical are records in exactly the form String prints them.
var canonical = []string{
	"example.org.\t300\tIN\tALIAS\ttarget.example.net.",
	"example.org.\t300\tIN\tALIAS\t.",
	"example.org.\t300\tIN\tALIAS\tTarget.Example.NET.",
	"example.org.\t300\tIN\tALIAS\t" + maxTarget,
	"example.org.\t300\tIN\tALIAS\ta\\.b.example.",
	"example.org.\t300\tIN\tALIAS\ta\\ b\\\"c\\(d\\;e.example.",
	"example.org.\t300\tIN\tALIAS\t\\000\\255.example.",

	"www.example.org.\t60\tIN\tPOOL\thost1.example.net. 1",
	"www.example.org.\t60\tIN\tPOOL\thost2.example.net. 65535",
	"www.example.org.\t60\tIN\tPOOL\t. 7",
	"www.example.org.\t60\tIN\tPOOL\t" + maxTarget + " 2",
	"www.example.org.\t60\tIN\tPOOL\ta\\.b.example. 10",

	"go.example.org.\t3600\tIN\tURL\t\"https://www.example.com/path?q=1\" 301",
	"go.example.org.\t3600\tIN\tURL\t\"http://example.com\" 302",
	"go.example.org.\t3600\tIN\tURL\t\"https://example.com/\" 307",
	"go.example.org.\t3600\tIN\tURL\t\"https://example.com/\" 308",
	"go.example.org.\t3600\tIN\tURL\t\"" + longURL + "\" 301",
	"go.example.org.\t3600\tIN\tURL\t\"https://example.com/a b?q=\\\"x\\\\y\\\"#f;g(h)\" 302",
	"go.example.org.\t3600\tIN\tURL\t\"https://example.com/caf\\195\\169\" 301",
	"go.example.org.\t3600\tIN\tURL\t\"https://user:pw@[::1]:8443/\" 301",
	"go.example.org.\t3600\tIN\tURL\t\"https://example.com/landing\" 302 nopath",
	"go.example.org.\t3600\tIN\tURL\t\"https://example.com/\" 301 nopath",
}

func TestRoundTripText(t *testing.T) {
	for _, s := range canonical {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Errorf("NewRR(%q): %v", s, err)
			continue
		}
		if got := rr.String(); got != s {
			t.Errorf("text round trip:\n got %q\nwant %q", got, s)
		}
	}
}

func TestRoundTripWire(t *testing.T) {
	for _, s := range canonical {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("NewRR(%q): %v", s, err)
		}
		buf := make([]byte, dns.MaxMsgSize)
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Errorf("PackRR(%q): %v", s, err)
			continue
		}
		if l := dns.Len(rr); l != n {
			t.Errorf("%q: Len is %d, packed %d octets", s, l, n)
		}
		rdata := buf[n-int(rr.Header().Rdlength) : n]
		if l := rr.(*dns.PrivateRR).Data.Len(); l != len(rdata) {
			t.Errorf("%q: rdata Len is %d, packed %d octets", s, l, len(rdata))
		}

		// More follows the RR in buf; unpacking must stop at its end.
		rr1, off, err := dns.UnpackRR(buf, 0)
		if err != nil {
			t.Errorf("UnpackRR(%q): %v", s, err)
			continue
		}
		if off != n {
			t.Errorf("%q: UnpackRR consumed %d of %d octets", s, off, n)
		}
		if got := rr1.String(); got != s {
			t.Errorf("wire round trip:\n got %q\nwant %q", got, s)
		}

		fresh := dns.TypeToRR[rr.Header().Rrtype]().(*dns.PrivateRR).Data
		if m, err := fresh.Unpack(rdata); err != nil || m != len(rdata) {
			t.Errorf("%q: Unpack of the rdata: %d, %v; want %d, nil", s, m, err, len(rdata))
		}
		if fresh.String() != rr.(*dns.PrivateRR).Data.String() {
			t.Errorf("%q: Unpack of the rdata gave %q", s, fresh.String())
		}
	}
}

// TestParseCanonical checks other ways of writing the records print in the
// one form that round trips.
func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"example.org. 300 IN ALIAS \\097\\.b.example.", "example.org.\t300\tIN\tALIAS\ta\\.b.example."},
		{"example.org. 300 IN ALIAS ( target.example.net. )", "example.org.\t300\tIN\tALIAS\ttarget.example.net."},
		{"www.example.org. 60 IN POOL host.example.net.", "www.example.org.\t60\tIN\tPOOL\thost.example.net. 1"},
		{"www.example.org. 60 IN POOL host.example.net. 010", "www.example.org.\t60\tIN\tPOOL\thost.example.net. 10"},
		{"www.example.org. 60 IN POOL host.example.net. \"3\"", "www.example.org.\t60\tIN\tPOOL\thost.example.net. 3"},
		{"go.example.org. 60 IN URL https://example.com/x", "go.example.org.\t60\tIN\tURL\t\"https://example.com/x\" 301"},
		{"go.example.org. 60 IN URL https://example.com/a\\ b 308", "go.example.org.\t60\tIN\tURL\t\"https://example.com/a b\" 308"},
		{"go.example.org. 60 IN URL \"https://example.com/\\x\\097\"", "go.example.org.\t60\tIN\tURL\t\"https://example.com/xa\" 301"},
		{"go.example.org. 60 IN URL \"https://example.com/\" \"302\" ; comment", "go.example.org.\t60\tIN\tURL\t\"https://example.com/\" 302"},
		{"go.example.org. 60 IN URL HTTPS://example.com/", "go.example.org.\t60\tIN\tURL\t\"HTTPS://example.com/\" 301"},
		{"go.example.org. 60 IN URL https://example.com/ nopath", "go.example.org.\t60\tIN\tURL\t\"https://example.com/\" 301 nopath"},
		{"go.example.org. 60 IN URL https://example.com/ 308 NoPath", "go.example.org.\t60\tIN\tURL\t\"https://example.com/\" 308 nopath"},
		{"go.example.org. 60 IN URL https://example.com/ \"302\" \"nopath\"", "go.example.org.\t60\tIN\tURL\t\"https://example.com/\" 302 nopath"},

		// The RFC 3597 form, which tools that don't know these types write.
		{"example.org. IN ALIAS \\# 3 016100", "example.org.\t3600\tIN\tALIAS\ta."},
		{"example.org. IN TYPE65401 \\# 3 016100", "example.org.\t3600\tIN\tALIAS\ta."},
		{"example.org. IN POOL \\# 5 0005016100", "example.org.\t3600\tIN\tPOOL\ta. 5"},
		{"example.org. IN URL \\# 10 012e687474703a2f2f61", "example.org.\t3600\tIN\tURL\t\"http://a\" 302"},
		// The nopath flag is the top bit of the CODE field: 0x8000|307.
		{"example.org. IN URL \\# 10 8133687474703a2f2f61", "example.org.\t3600\tIN\tURL\t\"http://a\" 307 nopath"},
	}
	for _, tc := range tests {
		rr, err := dns.NewRR(tc.in)
		if err != nil {
			t.Errorf("NewRR(%q): %v", tc.in, err)
			continue
		}
		if got := rr.String(); got != tc.want {
			t.Errorf("NewRR(%q):\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestUnpackStopsAtRdata(t *testing.T) {
	for _, s := range canonical {
		rr, _ := dns.NewRR(s)
		data := rr.(*dns.PrivateRR).Data
		buf := make([]byte, data.Len(), data.Len()+3)
		if _, err := data.Pack(buf); err != nil {
			t.Fatalf("Pack(%q): %v", s, err)
		}
		if _, ok := data.(*URL); ok {
			continue // its end is where the rdata ends, see TestMsgURLNotLast
		}
		junk := append(buf, 1, 2, 3)
		fresh := dns.TypeToRR[rr.Header().Rrtype]().(*dns.PrivateRR).Data
		if n, err := fresh.Unpack(junk); err != nil || n != len(buf) {
			t.Errorf("%q: Unpack with trailing octets: %d, %v; want %d, nil", s, n, err, len(buf))
		}
		if !bytes.Equal(junk[:len(buf)], buf) {
			t.Errorf("%q: Unpack wrote to its input", s)
		}
	}
}

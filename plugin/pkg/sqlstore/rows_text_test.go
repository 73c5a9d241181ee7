package sqlstore

import (
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestTextRR holds TXT and SPF contents with what PowerDNS 4.7.3 answered for
// them from a gmysql database (dig against pdns_server; test/interop checks
// the same rows against the live server).
func TestTextRR(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		typ, content string
		want         []string // nil: refused
	}{
		{"TXT", "v=spf1 mx include:_spf.example.net -all", []string{"v=spf1 mx include:_spf.example.net -all"}},
		{"TXT", "v=DKIM1; k=rsa; p=MIIB", []string{"v=DKIM1; k=rsa; p=MIIB"}},
		{"TXT", "", []string{""}},
		{"SPF", "", []string{""}},
		{"SPF", "v=spf1 mx -all", nil},
		{"SPF", `"v=spf1 mx -all"`, []string{"v=spf1 mx -all"}},
		{"TXT", `"a" "b\"c" "d\\e" "\065\300"`, []string{"a", `b\"c`, `d\\e`, "A,"}},
		{"TXT", long, []string{long[:255], long[255:]}},
		{"TXT", `"` + long + `"`, []string{long[:255], long[255:]}},
		{"TXT", `"a" b`, []string{"a", "b"}},
		{"TXT", `"a"b`, []string{"a", "b"}},
		{"TXT", `"a" b c`, nil},
		{"TXT", `  "a"`, nil},
		{"TXT", `a\`, nil},
		{"TXT", `"a\1"`, nil},
		{"TXT", `say "hi"`, nil},
		{"TXT", `"open`, nil},
		{"TXT", "héllo wörld", []string{`h\195\169llo w\195\182rld`}},
		{"TXT", " spaced ", []string{" spaced "}},
		{"TXT", "tab\tand\nnewline", []string{`tab\009and\010newline`}},
		{"TXT", `"" ""`, []string{"", ""}},
	}
	for _, tc := range tests {
		rr, err := ToRR("example.org", Row{ID: 1, Name: "t.example.org", Type: tc.typ, Content: tc.content, TTL: 300})
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s %q: got %v, want it refused", tc.typ, tc.content, rr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.typ, tc.content, err)
			continue
		}
		var got []string
		switch x := rr.(type) {
		case *dns.TXT:
			got = x.Txt
		case *dns.SPF:
			got = x.Txt
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %q: got %q, want %q", tc.typ, tc.content, got, tc.want)
		}
	}
}

// FuzzPdnsText checks the TXT reader against its rules: it never panics,
// never gives no string or one over 255 octets, unquoted TXT content without
// quotes or backslashes comes back whole (split at 255), and the strings it
// gives, written back as a quoted list, read back the same.
func FuzzPdnsText(f *testing.F) {
	for _, s := range []string{"", "v=spf1 -all", `"a" "b"`, `"a"b`, `"\"\\\255"`, `"a\1"`, "\t x \t",
		strings.Repeat("y", 600), `"` + strings.Repeat("\\200", 300) + `"`, "é;(", `"a`, `\`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, c string, wrap bool) {
		strs, err := pdnsText(c, wrap)
		if err != nil {
			return
		}
		if len(strs) == 0 {
			t.Fatalf("%q: no string", c)
		}
		var raw []string
		for _, s := range strs {
			r := unescape(t, s)
			if len(r) > maxString {
				t.Fatalf("%q: string of %d octets", c, len(r))
			}
			raw = append(raw, r)
		}
		if wrap && c != "" && c[0] != '"' && !strings.ContainsAny(c, `"\`) {
			if strings.Join(raw, "") != c {
				t.Fatalf("%q: read as %q", c, raw)
			}
		}
		again, err := pdnsText(`"`+strings.Join(strs, `" "`)+`"`, false)
		if err != nil || !reflect.DeepEqual(again, strs) {
			t.Fatalf("%q: %q read back as %q, %v", c, strs, again, err)
		}
		rr := &dns.TXT{Hdr: dns.RR_Header{Name: "t.example.org.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 1}, Txt: strs}
		roundTrip(t, rr)
	})
}

// unescape undoes escapeText, by packing.
func unescape(t *testing.T, s string) string {
	t.Helper()
	rr := &dns.TXT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{s}}
	buf := make([]byte, 2*len(s)+64)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		t.Fatalf("%q does not pack: %v", s, err)
	}
	return string(buf[1+10+1 : off]) // root owner, fixed header, length octet
}

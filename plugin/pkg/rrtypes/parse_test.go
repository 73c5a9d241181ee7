package rrtypes

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		typ  string
		txt  []string
		want string // in the error
	}{
		{"ALIAS", nil, "missing target"},
		{"ALIAS", []string{"target.example.net"}, "fully qualified"},
		{"ALIAS", []string{"@"}, "fully qualified"},
		{"ALIAS", []string{"a\\."}, "fully qualified"},
		{"ALIAS", []string{""}, "fully qualified"},
		{"ALIAS", []string{"a..b."}, "bad target"},
		{"ALIAS", []string{"c" + maxTarget}, "bad target"},
		{"ALIAS", []string{label63 + "a."}, "bad target"},
		{"ALIAS", []string{"\\256."}, "bad target"},
		{"ALIAS", []string{"a.", "b."}, "unexpected \"b.\""},

		{"POOL", nil, "missing target"},
		{"POOL", []string{"host"}, "fully qualified"},
		{"POOL", []string{"host.", "0"}, "weight must be"},
		{"POOL", []string{"host.", "65536"}, "weight must be"},
		{"POOL", []string{"host.", "-1"}, "weight must be"},
		{"POOL", []string{"host.", "ten"}, "weight must be"},
		{"POOL", []string{"host.", "0x10"}, "weight must be"},
		{"POOL", []string{"host.", "1", "2"}, "unexpected \"2\""},

		{"URL", nil, "missing target"},
		{"URL", []string{""}, "missing target"},
		{"URL", []string{"ftp://example.com/"}, "http or https"},
		{"URL", []string{"/path"}, "http or https"},
		{"URL", []string{"example.com"}, "http or https"},
		{"URL", []string{"https:opaque"}, "must have a host"},
		{"URL", []string{"https:///path"}, "must have a host"},
		{"URL", []string{"https://a b/"}, "bad URL"},
		{"URL", []string{"https://%zz/"}, "bad URL"},
		{"URL", []string{"https://a/\\009"}, "bad URL"},
		{"URL", []string{"https://a/\\"}, "bad escape"},
		{"URL", []string{"https://a/\\25"}, "bad escape"},
		{"URL", []string{"https://a/\\256"}, "bad escape"},
		{"URL", []string{"https://a/", "200"}, "redirect code must be"},
		{"URL", []string{"https://a/", "0"}, "redirect code must be"},
		{"URL", []string{"https://a/", "abc"}, "redirect code must be"},
		{"URL", []string{"https://a/", "301", "x"}, "unexpected \"x\""},
		{"URL", []string{"https://a/", "nopath", "301"}, "unexpected \"301\""},
		{"URL", []string{"https://a/", "301", "nopath", "x"}, "unexpected \"x\""},
		{"URL", []string{"https://a/", "x"}, "redirect code must be"},
		{"URL", []string{"https://a/" + strings.Repeat("x", maxURL)}, "longer than"},
	}
	for _, tc := range tests {
		d := dns.TypeToRR[dns.StringToType[tc.typ]]().(*dns.PrivateRR).Data
		err := d.Parse(tc.txt)
		if err == nil {
			t.Errorf("%s %q: no error, got %q", tc.typ, tc.txt, d.String())
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %q, want it to contain %q", tc.typ, tc.txt, err, tc.want)
		}

		// The zone parser must refuse it too; the message itself is lost
		// there (see TestZoneParserErrorText).
		line := "example.org. IN " + tc.typ
		for _, s := range tc.txt {
			line += " " + quoteToken(s)
		}
		if rr, err := dns.NewRR(line); err == nil {
			t.Errorf("NewRR(%q): no error, got %v", line, rr)
		}
	}
}

// quoteToken writes s so the zone lexer hands it back unchanged as one token.
func quoteToken(s string) string {
	if s == "" || strings.ContainsAny(s, " \t;()\"") {
		return `"` + s + `"`
	}
	return s
}

func TestURLMaxLength(t *testing.T) {
	target := "https://a/" + strings.Repeat("x", maxURL-len("https://a/"))
	rr, err := dns.NewRR("go.example.org. IN URL " + target + " 308")
	if err != nil {
		t.Fatalf("NewRR of a %d octet URL: %v", len(target), err)
	}
	buf := make([]byte, dns.Len(rr))
	n, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		t.Fatalf("PackRR: %v", err)
	}
	if rr.Header().Rdlength != 0xFFFF {
		t.Errorf("Rdlength is %d, want 65535", rr.Header().Rdlength)
	}
	rr1, _, err := dns.UnpackRR(buf[:n], 0)
	if err != nil {
		t.Fatalf("UnpackRR: %v", err)
	}
	if u, _ := AsURL(rr1); u.Target != target || u.Code != 308 {
		t.Errorf("got %q %d back", u.Target[:20], u.Code)
	}
}

func TestQuoteUnescape(t *testing.T) {
	for i := 0; i < 256; i++ {
		s := "x\\\"" + string([]byte{byte(i)}) + "1"
		q := quote(s)
		if strings.ContainsAny(q[1:len(q)-1], "\n\r\t") {
			t.Errorf("quote(%q) = %q has a control character", s, q)
		}
		u, err := unescape(q[1 : len(q)-1])
		if err != nil || u != s {
			t.Errorf("unescape(quote(%q)) = %q, %v", s, u, err)
		}
	}
}

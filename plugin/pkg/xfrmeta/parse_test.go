package xfrmeta

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestParse(t *testing.T) {
	z := Parse([]Row{
		{KindAllowAXFRFrom, "192.0.2.0/24"},
		{KindAllowAXFRFrom, "2001:db8::7"},
		{KindAllowAXFRFrom, "auto-ns"},
		{KindAllowAXFRFrom, "not-an-address"},
		{KindAlsoNotify, "198.51.100.1"},
		{KindAlsoNotify, "[2001:db8::1]:5300"},
		{KindAlsoNotify, "ns1.example."},
		{KindTSIGAllowAXFR, "Xfr-Key"},
		{KindTSIGAllowAXFR, "second."},
		{KindAXFRMasterTSIG, "master."},
		{KindAXFRMasterTSIG, "ignored."},
		{"allow-axfr-from", "203.0.113.0/24"}, // kinds match exactly, as PowerDNS
		{"SOA-EDIT", "INCEPTION-INCREMENT"},
	})
	wantAllow := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::7/128")}
	if !slices.Equal(z.Allow, wantAllow) {
		t.Errorf("Allow = %v, want %v", z.Allow, wantAllow)
	}
	if !z.AutoNS {
		t.Error("AutoNS not set")
	}
	if want := []string{"198.51.100.1:53", "[2001:db8::1]:5300"}; !slices.Equal(z.AlsoNotify, want) {
		t.Errorf("AlsoNotify = %v, want %v", z.AlsoNotify, want)
	}
	if want := []string{"xfr-key.", "second."}; !slices.Equal(z.Keys, want) {
		t.Errorf("Keys = %v, want %v", z.Keys, want)
	}
	if z.NotifyKey() != "xfr-key." || z.MasterKey != "master." {
		t.Errorf("NotifyKey %q, MasterKey %q", z.NotifyKey(), z.MasterKey)
	}
	if len(z.Problems) != 2 || !strings.Contains(z.Problems[0], "not-an-address") || !strings.Contains(z.Problems[1], "ns1.example.") {
		t.Errorf("Problems = %q", z.Problems)
	}
	if (Zone{}).NotifyKey() != "" {
		t.Error("a zone without keys signs its NOTIFYs")
	}
}

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7/24":         "192.0.2.0/24",
		"192.0.2.7":            "192.0.2.7/32",
		"::ffff:192.0.2.7":     "192.0.2.7/32",
		"::ffff:192.0.2.0/120": "192.0.2.0/24",
		"2001:db8::/32":        "2001:db8::/32",
		"0.0.0.0/0":            "0.0.0.0/0",
		"fe80::1%eth0":         "fe80::1/128",
		"2001:db8::1/129":      "",
		"::ffff:192.0.2.0/90":  "",
		"192.0.2.0/":           "",
		"":                     "",
		"example.com":          "",
		"192.0.2.0/24 extra":   "",
		"192.0.2.300":          "",
		"192.0.2.0/24/24":      "",
		"[2001:db8::1]":        "",
		"2001:db8::1/64/":      "",
		" 192.0.2.0/24":        "",
		"192.0.2.1/32\n":       "",
		"1.2.3.4/-1":           "",
		"::/0":                 "::/0",
		"::ffff:0.0.0.0/96":    "0.0.0.0/0",
		"10.0.0.0/8":           "10.0.0.0/8",
		"2001:DB8:0:0:0:0:0:1": "2001:db8::1/128",
		"192.168.001.1":        "",
		"1.2.3.4/033":          "",
	} {
		p, err := ParsePrefix(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParsePrefix(%q) = %v, want an error", in, p)
			}
			continue
		}
		if err != nil || p.String() != want {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
}

func TestParseHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":          "192.0.2.1:53",
		"192.0.2.1:5300":     "192.0.2.1:5300",
		"2001:db8::1":        "[2001:db8::1]:53",
		"[2001:db8::1]":      "[2001:db8::1]:53",
		"[2001:db8::1]:5300": "[2001:db8::1]:5300",
		"::ffff:192.0.2.1":   "192.0.2.1:53",
		"192.0.2.1:0":        "",
		"192.0.2.1:65536":    "",
		"192.0.2.1:dns":      "",
		"ns1.example.":       "",
		"ns1.example.:53":    "",
		"fe80::1%eth0":       "",
		"":                   "",
	} {
		got, err := ParseHostPort(in, "53")
		if want == "" {
			if err == nil {
				t.Errorf("ParseHostPort(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseHostPort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseKey(t *testing.T) {
	k, err := ParseKey("Xfr.Example", "HMAC-SHA256", "c2VjcmV0c2VjcmV0")
	if err != nil {
		t.Fatal(err)
	}
	if k != (Key{Name: "xfr.example.", Algorithm: dns.HmacSHA256, Secret: "c2VjcmV0c2VjcmV0"}) {
		t.Errorf("ParseKey = %+v", k)
	}
	if k, err := ParseKey("k.", "hmac-sha512.", "c2VjcmV0"); err != nil || k.Algorithm != dns.HmacSHA512 {
		t.Errorf("trailing dot: %+v, %v", k, err)
	}
	for _, bad := range [][3]string{
		{"k", "hmac-md5", "c2VjcmV0"},
		{"k", "hmac-sha256", "not base64!"},
		{"k", "hmac-sha256", ""},
		{"", "hmac-sha256", "c2VjcmV0"},
		{"a..b", "hmac-sha256", "c2VjcmV0"},
	} {
		if _, err := ParseKey(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("ParseKey%q: no error", bad)
		}
	}
}

package inspect

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestLastLabels(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		want string
	}{
		{"a.b.t-ipnet.de.", 2, "t-ipnet.de."},
		{"a.b.t-ipnet.de.", 1, "de."},
		{"a.b.t-ipnet.de.", 3, "b.t-ipnet.de."},
		{"a.b.t-ipnet.de.", 0, "a.b.t-ipnet.de."},
		{"de.", 3, "de."},
		{".", 2, "."},
		{`x.a\.b.example.`, 2, `a\.b.example.`},
	} {
		if got := lastLabels(tc.name, tc.n); got != tc.want {
			t.Errorf("lastLabels(%q, %d) = %q, want %q", tc.name, tc.n, got, tc.want)
		}
	}
}

func TestKeys(t *testing.T) {
	if got := rcodeKey(NoAnswer); got != "none" {
		t.Errorf("rcodeKey(NoAnswer) = %q", got)
	}
	if got := rcodeKey(dns.RcodeNameError); got != "NXDOMAIN" {
		t.Errorf("rcodeKey(3) = %q", got)
	}
	if got := rcodeKey(4000); got != "RCODE4000" {
		t.Errorf("rcodeKey(4000) = %q", got)
	}
	if got := qtypeKey(65401); got != "TYPE65401" {
		t.Errorf("qtypeKey(65401) = %q", got)
	}
	if got := qtypeKey(dns.TypeA); got != "A" {
		t.Errorf("qtypeKey(1) = %q", got)
	}
	if got := prefixKey(subnet24(netip.MustParseAddr("192.0.2.1"))); got != "192.0.2.0/24" {
		t.Errorf("subnet24 = %q", got)
	}
	if got := prefixKey(subnet56(netip.MustParseAddr("2001:db8:0:1ff::1"))); got != "2001:db8:0:100::/56" {
		t.Errorf("subnet56 = %q", got)
	}
}

// FuzzLastLabels: whatever the name, the cut is a suffix of it with at most n more labels
// than none, and it never panics.
func FuzzLastLabels(f *testing.F) {
	for _, s := range []string{"a.b.t-ipnet.de.", ".", "", `a\.b.c.`, `\\.x.`, "..", "a..b.", `\`} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, name string, n int) {
		n = n % 8
		got := lastLabels(name, n)
		if !strings.HasSuffix(name, got) {
			t.Fatalf("lastLabels(%q, %d) = %q, not a suffix", name, n, got)
		}
		if n <= 0 && got != name {
			t.Fatalf("lastLabels(%q, %d) = %q, want the whole name", name, n, got)
		}
	})
}

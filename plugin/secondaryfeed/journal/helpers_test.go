package journal

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// zone parses zone-file text for origin example.org.
func zone(t testing.TB, text string) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(text), "example.org.", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

func soaLine(serial string) string {
	return "@ 3600 IN SOA ns1 hostmaster " + serial + " 7200 3600 1209600 300\n"
}

func strs(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}

func same(t testing.TB, what string, got []dns.RR, want []string) {
	t.Helper()
	g := strs(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot  %q\nwant %q", what, g, want)
	}
}

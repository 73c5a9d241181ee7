package validate

import (
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"

	"github.com/miekg/dns"
)

// FuzzZone runs both checks over whatever records a zone text holds: no panic, and every
// problem says what, where and how bad.
func FuzzZone(f *testing.F) {
	f.Add(head + "www 60 IN CNAME a\na 60 IN ALIAS www.example.org.\n@ 60 IN MX 1 www")
	f.Add("x.example.net. 1 IN A 192.0.2.1\n@ 1 IN CNAME x.example.net.\n@ 1 IN CNAME y.example.net.")
	f.Add("p 1 IN POOL p.example.org. 1\n* 1 IN TYPE65401 \\# 0\n@ 1 IN SOA a b 1 2 3 4 5")
	f.Fuzz(func(t *testing.T, text string) {
		zp := dns.NewZoneParser(strings.NewReader(text), origin, "fuzz")
		var rrs []dns.RR
		for rr, ok := zp.Next(); ok && len(rrs) < 500; rr, ok = zp.Next() {
			rrs = append(rrs, rr)
		}
		for _, p := range append(Zone(origin, rrs), Raw(origin, rrs)...) {
			if p.Name == "" || p.Type == "" || p.Rule == "" || p.Detail == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
			if p.Severity != report.Error && p.Severity != report.Warning {
				t.Fatalf("severity %q", p.Severity)
			}
		}
	})
}

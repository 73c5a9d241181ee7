package validate

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	_ "github.com/hostdns/hostdns/plugin/pkg/rrtypes" // ALIAS, POOL in zone text
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"

	"github.com/miekg/dns"
)

const origin = "example.org."

func parse(t testing.TB, text string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "test")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone text: %v", err)
	}
	return rrs
}

const head = `
@ 3600 IN SOA ns1 host 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
`

// found lists the problems as "rule name type severity".
func found(ps []report.Problem) []string {
	var s []string
	for _, p := range ps {
		if p.Detail == "" {
			s = append(s, "no detail for "+p.Rule)
		}
		s = append(s, p.Rule+" "+p.Name+" "+p.Type+" "+p.Severity)
	}
	return s
}

func TestZone(t *testing.T) {
	tests := []struct {
		name string
		zone string
		want []string
	}{
		{"valid", head + "www 300 IN A 192.0.2.1\nwww 300 IN A 192.0.2.2\nmail 300 IN CNAME www\ntxt 60 IN TXT A\ntxt 60 IN TXT a", nil},
		{"no SOA", "@ 3600 IN NS ns1", []string{"soa-missing example.org. SOA error"}},
		{"no NS", "@ 3600 IN SOA ns1 host 1 2 3 4 5", []string{"ns-missing example.org. NS error"}},
		{"empty", "", []string{"ns-missing example.org. NS error", "soa-missing example.org. SOA error"}},
		{"two SOA", head + "@ 3600 IN SOA ns2 host 2 7200 3600 1209600 300", []string{"soa-multiple example.org. SOA error"}},
		{"outside", head + "www.example.net. 60 IN A 192.0.2.1", []string{"outside-zone www.example.net. A error"}},
		{"cname apex", head + "@ 60 IN CNAME www.example.net.", []string{
			"cname-apex example.org. CNAME error"}},
		{"cname beside", head + "www 60 IN CNAME x.example.net.\nwww 60 IN TXT t\nwww 60 IN RRSIG A 8 3 60 20300101000000 20200101000000 1 example.org. AAAA",
			[]string{"cname-beside-data www.example.org. CNAME error"}},
		{"two cnames", head + "www 60 IN CNAME x.example.net.\nwww 60 IN CNAME y.example.net.", []string{"cname-multiple www.example.org. CNAME error"}},
		{"targets", head + "@ 60 IN MX 10 mx\nmx 60 IN CNAME ns1\n_s._tcp 60 IN SRV 0 0 1 mx\nsub 60 IN NS mx",
			[]string{"srv-target-cname _s._tcp.example.org. SRV warning", "mx-target-cname example.org. MX warning", "ns-target-cname sub.example.org. NS error"}},
		{"duplicate", head + "www 60 IN A 192.0.2.1\nWWW 60 IN A 192.0.2.1", []string{"duplicate www.example.org. A warning"}},
		{"ttl", head + "www 60 IN A 192.0.2.1\nwww 30 IN A 192.0.2.2\nwww 20 IN A 192.0.2.3", []string{"ttl-mismatch www.example.org. A warning"}},
		{"special", head + "www 60 IN ALIAS x.example.net.", []string{"special-type www.example.org. ALIAS error"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := found(Zone(origin, parse(t, tc.zone)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLoops(t *testing.T) {
	tests := []struct {
		name string
		zone string
		want []string
	}{
		{"none", "a 60 IN ALIAS b.example.org.\nb 60 IN CNAME c\nc 60 IN A 192.0.2.1", nil},
		{"self", "a 60 IN ALIAS a.example.org.", []string{"loop a.example.org. ALIAS error"}},
		{"alias cname", "a 60 IN ALIAS b.example.org.\nb 60 IN CNAME a", []string{"loop a.example.org. ALIAS error"}},
		{"pool member", "p 60 IN POOL x.example.org. 1\np 60 IN POOL q.example.org. 1\nq 60 IN POOL p.example.org. 2", []string{"loop p.example.org. POOL error"}},
		{"outside is not followed", "a 60 IN ALIAS b.example.net.\nb.example.net. 60 IN CNAME a.example.org.", nil},
		{"two loops", "a 60 IN CNAME b\nb 60 IN CNAME a\nc 60 IN CNAME d\nd 60 IN CNAME c\ne 60 IN CNAME a",
			[]string{"loop a.example.org. CNAME error", "loop c.example.org. CNAME error"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := found(Loops(origin, parse(t, tc.zone)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLoopsLongChain(t *testing.T) {
	var b strings.Builder
	const n = 20000
	for i := range n {
		b.WriteString("n" + strconv.Itoa(i) + " 60 IN CNAME n" + strconv.Itoa((i+1)%n) + "\n")
	}
	ps := Loops(origin, parse(t, b.String()))
	if len(ps) != 1 || ps[0].Name != "n0.example.org." {
		t.Fatalf("got %d problems, want one loop at n0: %v", len(ps), found(ps[:min(len(ps), 3)]))
	}
}

func TestRaw(t *testing.T) {
	tests := []struct {
		name string
		zone string
		want []string
	}{
		{"plain", head + "@ 60 IN ALIAS x.example.net.\nwww 60 IN POOL a.example.net. 1", nil},
		{"two aliases", "@ 60 IN ALIAS x.example.net.\n@ 60 IN ALIAS y.example.net.", []string{"alias-multiple example.org. ALIAS warning"}},
		{"conflict", `w 60 IN POOL a.example.net. 1` + "\nw 60 IN URL \"https://x.example/\"\nw 60 IN ALIAS b.example.net.\nw 60 IN A 192.0.2.1",
			[]string{"special-shadowed w.example.org. A warning", "special-conflict w.example.org. URL warning"}},
		{"pool beside A", "w 60 IN POOL a.example.net. 1\nw 60 IN A 192.0.2.1", nil},
		{"beside cname", "w 60 IN ALIAS a.example.net.\nw 60 IN CNAME x.example.net.", []string{"special-shadowed w.example.org. CNAME warning"}},
		{"loop", "a 60 IN ALIAS a.example.org.", []string{"loop a.example.org. ALIAS error"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := found(Raw(origin, parse(t, tc.zone)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

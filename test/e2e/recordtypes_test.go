package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/test/harness"
)

const specialZone = `$ORIGIN special.example.
$TTL 300
@        IN SOA ns1 hostmaster 2026112101 7200 3600 1209600 300
         IN NS  ns1
ns1      IN A   192.0.2.1
www      IN A   192.0.2.80
apex     IN ALIAS www.special.example.
pool     IN POOL  www.special.example. 3
pool     IN POOL  ns1.special.example.
go       IN URL   "https://www.example.com/a b?q=\"x\"" 302
`

// The stock file and transfer plugins, in our binary, serve and transfer the private record
// types as they are: the wire format survives the trip to a real client.
func TestZoneFileWithSpecialRecordsOverBinary(t *testing.T) {
	dir := t.TempDir()
	harness.WriteFile(t, dir, "db.special", specialZone)
	port := harness.FreePort(t)
	proc := harness.StartBinaryWith(t, fmt.Sprintf(`special.example:%d {
	bind 127.0.0.1
	file db.special
	transfer {
		to *
	}
}
`, port), harness.BinaryOptions{Dir: dir})

	soa := "special.example. 300 IN SOA ns1.special.example. hostmaster.special.example. 2026112101 7200 3600 1209600 300"
	ns := "special.example. 300 IN NS ns1.special.example."
	tests := []struct {
		name   string
		qtype  uint16
		answer []string
	}{
		{"apex.special.example.", rrtypes.TypeALIAS, []string{"apex.special.example. 300 IN ALIAS www.special.example."}},
		{"pool.special.example.", rrtypes.TypePOOL, []string{
			"pool.special.example. 300 IN POOL www.special.example. 3",
			"pool.special.example. 300 IN POOL ns1.special.example. 1",
		}},
		{"go.special.example.", rrtypes.TypeURL, []string{`go.special.example. 300 IN URL "https://www.example.com/a b?q=\"x\"" 302`}},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range tests {
			resp := harness.Exchange(t, proc.Addr, harness.Query(tc.name, tc.qtype), network)
			harness.AssertResponse(t, resp, harness.Response{Authoritative: true, Answer: tc.answer, Ns: []string{ns}})
		}
		// The private types do not leak into other questions at the same name.
		resp := harness.Exchange(t, proc.Addr, harness.Query("go.special.example.", dns.TypeTXT), network)
		harness.AssertResponse(t, resp, harness.Response{Authoritative: true, Ns: []string{soa}})
	}

	// The rdata reaches the client as data, not only as text.
	resp := harness.Exchange(t, proc.Addr, harness.Query("go.special.example.", rrtypes.TypeURL), "udp")
	if u, ok := rrtypes.AsURL(resp.Answer[0]); !ok || u.Target != `https://www.example.com/a b?q="x"` || u.Code != 302 {
		t.Errorf("URL rdata decoded as %+v (ok %t)", u, ok)
	}

	got := harness.AXFR(t, proc.Addr, "special.example.")
	want := zoneRecords(t, specialZone, "special.example.")
	if len(got) != len(want)+1 { // AXFR repeats the SOA at the end
		t.Fatalf("AXFR returned %d records, want %d:\n%v", len(got), len(want)+1, got)
	}
	if got[0].Header().Rrtype != dns.TypeSOA || got[len(got)-1].Header().Rrtype != dns.TypeSOA {
		t.Errorf("AXFR does not start and end with the SOA: %v", got)
	}
	if g, w := sortedText(got[:len(got)-1]), sortedText(want); g != w {
		t.Errorf("AXFR content differs from the zone file:\ngot:\n%s\nwant:\n%s", g, w)
	}
}

func zoneRecords(t *testing.T, zone, origin string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(zone), origin, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

func sortedText(rrs []dns.RR) string {
	lines := make([]string, len(rrs))
	for i, rr := range rrs {
		lines[i] = rr.String()
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

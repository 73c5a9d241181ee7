package sqlsecondary

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func rrs(t testing.TB, lines ...string) []dns.RR {
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rr)
	}
	return out
}

const (
	soa1 = "example.org. 60 IN SOA ns. h. 1 60 60 600 60"
	soa2 = "example.org. 60 IN SOA ns. h. 2 60 60 600 60"
	soa3 = "example.org. 60 IN SOA ns. h. 3 60 60 600 60"
	a1   = "www.example.org. 60 IN A 192.0.2.1"
	a2   = "www.example.org. 60 IN A 192.0.2.2"
	a3   = "www.example.org. 60 IN A 192.0.2.3"
)

func TestParseIXFR(t *testing.T) {
	// Two difference sequences, 1 -> 2 -> 3.
	p, err := parseIXFR(zoneName, rrs(t, soa3, soa1, a1, soa2, a2, soa2, a2, soa3, a3, soa3), 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if p.kind != kindIXFR || p.soa.Serial != 3 || len(p.diffs) != 2 || len(p.diffs[1].add) != 2 {
		t.Fatalf("%+v", p)
	}
	// The whole zone in answer to an IXFR.
	if p, err := parseIXFR(zoneName, rrs(t, soa2, a2, soa2), 1, 100); err != nil || p.kind != kindAXFR || len(p.full) != 2 {
		t.Fatalf("%+v, %v", p, err)
	}
	// Current: the SOA alone.
	if p, err := parseIXFR(zoneName, rrs(t, soa1), 1, 100); err != nil || len(p.diffs) != 0 {
		t.Fatalf("%+v, %v", p, err)
	}
	for _, tc := range []struct {
		in     []string
		reason string
	}{
		{[]string{soa3, soa2, a1, soa3, a3, soa3}, reasonIXFRMismatch}, // starts at 2, we have 1
		{[]string{soa2, soa1, a1, soa2, a2}, reasonMalformed},          // no closing SOA
		{[]string{soa2, soa1, a1, soa2, "www.example.com. 60 IN A 192.0.2.9", soa2}, reasonOutOfZone},
		{[]string{a1, soa2}, reasonMalformed},
		{[]string{soa2, soa1, a1}, reasonMalformed},
	} {
		if _, err := parseIXFR(zoneName, rrs(t, tc.in...), 1, 100); reasonOf(err) != tc.reason {
			t.Errorf("%v: %v, want %s", tc.in, err, tc.reason)
		}
	}
}

func TestParseAXFR(t *testing.T) {
	for _, tc := range []struct {
		in     []string
		max    int
		reason string
	}{
		{[]string{soa1, a1, soa2}, 10, reasonMalformed},
		{[]string{soa1, a1, soa1, a2, soa1}, 10, reasonMalformed},
		{[]string{soa1, a1, a2, a3, soa1}, 3, reasonTooLarge},
		{[]string{soa1, "example.org. 60 IN NS ns.other.", "other.example. 60 IN A 192.0.2.1", soa1}, 10, reasonOutOfZone},
		{[]string{"sub.example.org. 60 IN SOA ns. h. 1 60 60 600 60", a1, "sub.example.org. 60 IN SOA ns. h. 1 60 60 600 60"}, 10, reasonOutOfZone},
		{[]string{soa1}, 10, reasonMalformed},
	} {
		if _, err := parseAXFR(zoneName, rrs(t, tc.in...), tc.max); reasonOf(err) != tc.reason {
			t.Errorf("%v: %v, want %s", tc.in, err, tc.reason)
		}
	}
	if p, err := parseAXFR(zoneName, rrs(t, soa1, a1, a2, soa1), 3); err != nil || len(p.full) != 3 {
		t.Errorf("%+v, %v", p, err)
	}
}

func TestNewer(t *testing.T) {
	for _, tc := range []struct {
		a, b uint32
		want bool
	}{{2, 1, true}, {1, 2, false}, {1, 1, false}, {0, 0xffffffff, true}, {0x80000001, 1, false}, {0x7fffffff, 0, true}} {
		if got := newer(tc.a, tc.b); got != tc.want {
			t.Errorf("newer(%d, %d) = %v", tc.a, tc.b, got)
		}
	}
}

// FuzzParseTransfer: any records a primary sends, read as an IXFR or an
// AXFR answer, give a checked result or an error: never a panic, never a
// record outside the zone.
func FuzzParseTransfer(f *testing.F) {
	f.Add(strings.Join([]string{soa3, soa1, a1, soa2, a2, soa2, a2, soa3, a3, soa3}, "\n"))
	f.Add(strings.Join([]string{soa2, a2, soa2}, "\n"))
	f.Add(strings.Join([]string{soa2, soa1, soa2, soa2}, "\n"))
	f.Fuzz(func(t *testing.T, text string) {
		var in []dns.RR
		zp := dns.NewZoneParser(strings.NewReader(text), zoneName, "")
		for rr, ok := zp.Next(); ok && len(in) < 200; rr, ok = zp.Next() {
			in = append(in, rr)
		}
		for _, p := range []func() (*pulled, error){
			func() (*pulled, error) { return parseIXFR(zoneName, in, 1, 50) },
			func() (*pulled, error) { return parseAXFR(zoneName, in, 50) },
		} {
			got, err := p()
			if err != nil {
				continue
			}
			all := got.full
			for _, d := range got.diffs {
				all = append(append(all, d.del...), d.add...)
			}
			if err := checkRecords(zoneName, all); err != nil {
				t.Fatalf("accepted %v", err)
			}
		}
	})
}

// TestToRowsRefusesWhatPowerDNSCannotHold: a record whose row would read
// back as another record (a TXT of no strings reads back as one empty
// string) refuses the transfer rather than serve something else.
func TestToRowsRefusesWhatPowerDNSCannotHold(t *testing.T) {
	empty := &dns.TXT{Hdr: dns.RR_Header{Name: "t.example.org.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}}
	p := &pulled{kind: kindAXFR, full: append(rrs(t, soa1, a1), empty)}
	p.soa = p.full[0].(*dns.SOA)
	if _, err := toRows(zoneName, p); reasonOf(err) != reasonMalformed {
		t.Errorf("TXT of no strings: %v", err)
	}
	p.full = rrs(t, soa1, a1, `t.example.org. 60 IN TXT "a;b" "c\"d"`, "Www.Example.org. 60 IN AAAA 2001:db8::1")
	rows, err := toRows(zoneName, p)
	if err != nil || len(rows[0].add) != 4 || rows[0].add[3].Name != "www.example.org" {
		t.Errorf("%+v, %v", rows, err)
	}
}

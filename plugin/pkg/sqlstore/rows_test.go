package sqlstore

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/miekg/dns"
)

func TestToRR(t *testing.T) {
	tests := []struct {
		row  Row
		want string // "" with wantErr false: no record (ENT)
		err  string // substring of the error
	}{
		{row: Row{ID: 1, Name: "example.org", Type: "SOA", Content: "ns1.example.org hostmaster.example.org 2024010101 10800 3600 604800 300", TTL: 3600},
			want: "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 10800 3600 604800 300"},
		{row: Row{ID: 2, Name: "example.org", Type: "SOA", Content: "ns1.example.org. hostmaster.example.org.", TTL: 60},
			want: "example.org. 60 IN SOA ns1.example.org. hostmaster.example.org. 0 10800 3600 604800 3600"},
		{row: Row{ID: 3, Name: "www.example.org", Type: "A", Content: "192.0.2.1", TTL: -1},
			want: "www.example.org. 3600 IN A 192.0.2.1"},
		{row: Row{ID: 4, Name: "example.org", Type: "MX", Content: "mail.example.org", Prio: 10, TTL: 300},
			want: "example.org. 300 IN MX 10 mail.example.org."},
		{row: Row{ID: 5, Name: "example.org", Type: "MX", Content: "20 mx2.example.net", Prio: 0, TTL: 300},
			want: "example.org. 300 IN MX 20 mx2.example.net."},
		{row: Row{ID: 6, Name: "_sip._tcp.example.org", Type: "SRV", Content: "5 5060 sip.example.org", Prio: 10, TTL: 300},
			want: "_sip._tcp.example.org. 300 IN SRV 10 5 5060 sip.example.org."},
		{row: Row{ID: 7, Name: "_sip._udp.example.org", Type: "SRV", Content: "1 2 5060 sip.example.org.", TTL: 300},
			want: "_sip._udp.example.org. 300 IN SRV 1 2 5060 sip.example.org."},
		{row: Row{ID: 8, Name: "*.example.org", Type: "CNAME", Content: "www.example.org", TTL: 300},
			want: "*.example.org. 300 IN CNAME www.example.org."},
		{row: Row{ID: 9, Name: "ent.example.org", Type: "", TTL: 300}},
		{row: Row{ID: 10, Name: "example.org", Type: "TXT", Content: `"v=spf1 mx -all"`, TTL: 300},
			want: `example.org. 300 IN TXT "v=spf1 mx -all"`},
		{row: Row{ID: 11, Name: "example.org", Type: "ALIAS", Content: "lb.example.net", TTL: 300},
			want: "example.org. 300 IN ALIAS lb.example.net."},
		{row: Row{ID: 12, Name: "www.example.org", Type: "POOL", Content: "h1.example.net 10", TTL: 300},
			want: "www.example.org. 300 IN POOL h1.example.net. 10"},
		{row: Row{ID: 13, Name: "go.example.org", Type: "URL", Content: `"https://example.com/x" 302`, TTL: 300},
			want: `go.example.org. 300 IN URL "https://example.com/x" 302`},
		{row: Row{ID: 14, Name: "sub.example.org", Type: "NS", Content: "ns.sub.example.org", TTL: 300},
			want: "sub.example.org. 300 IN NS ns.sub.example.org."},
		{row: Row{ID: 15, Name: "example.org", Type: "caa", Content: `0 issue "letsencrypt.org"`, TTL: 300},
			want: `example.org. 300 IN CAA 0 issue "letsencrypt.org"`},
		{row: Row{ID: 16, Name: "x.example.org", Type: "TYPE65534", Content: `\# 3 016100`, TTL: 300},
			want: `x.example.org. 300 IN TYPE65534 \# 3 016100`},
		{row: Row{ID: 17, Name: "root.example.org", Type: "CNAME", Content: ".", TTL: 300},
			want: "root.example.org. 300 IN CNAME ."},
		{row: Row{ID: 18, Name: "Mixed.Example.ORG", Type: "A", Content: "192.0.2.9", TTL: 1},
			want: "Mixed.Example.ORG. 1 IN A 192.0.2.9"},

		{row: Row{ID: 100, Name: "www.example.org", Type: "A", Content: "not-an-ip", TTL: 1}, err: "record 100"},
		{row: Row{ID: 101, Name: "www.example.net", Type: "A", Content: "192.0.2.1", TTL: 1}, err: "not in zone"},
		{row: Row{ID: 102, Name: "www.example.org", Type: "BOGUS", Content: "1", TTL: 1}, err: "unknown type"},
		{row: Row{ID: 103, Name: "www.example.org", Type: "A", Content: "192.0.2.1\nevil 1 IN A 192.0.2.2", TTL: 1}, err: "line break"},
		{row: Row{ID: 104, Name: "www example.org", Type: "A", Content: "192.0.2.1", TTL: 1}, err: "separator"},
		{row: Row{ID: 105, Name: "example.org", Type: "MX", Content: "1 2 3", TTL: 1}, err: "preference"},
		{row: Row{ID: 106, Name: "example.org", Type: "SOA", Content: "ns1", TTL: 1}, err: "mname"},
		{row: Row{ID: 107, Name: "www.example.org", Type: "ALIAS", Content: "a b c", TTL: 1}, err: "target"},
		{row: Row{ID: 108, Name: "www.example.org", Type: "A", Content: "192.0.2.1", TTL: 1 << 40}, err: "ttl"},
		{row: Row{ID: 109, Name: "www.example.org", Type: "OPT", Content: "", TTL: 1}, err: "cannot be stored"},
		{row: Row{ID: 110, Name: "www.example.org", Type: "URL", Content: `"ftp://x/"`, TTL: 1}, err: "record 110"},
		{row: Row{ID: 112, Name: "example.org", Type: "MX", Content: "20 mx2.example.net", Prio: 99, TTL: 1}, err: "priority both"},
		{row: Row{ID: 113, Name: "_s._tcp.example.org", Type: "SRV", Content: "1 2 3 t.example.org", Prio: 5, TTL: 1}, err: "priority both"},
		{row: Row{ID: 114, Name: "x.example.org", Type: "TYPE65401", Content: `\# 3 016100`, TTL: 1}, err: "does not read"},
		{row: Row{ID: 115, Name: "x.example.org", Type: "A", Content: `\# 4 c0000201`, TTL: 1}, err: "does not read"},
		{row: Row{ID: 116, Name: "x.example.org", Type: "CNAME", Content: "a;b.example.org", TTL: 1}, err: "outside quotes"},
		{row: Row{ID: 117, Name: "x.example.org", Type: "CAA", Content: "0 issue letsencrypt.org", TTL: 1}, err: "letters and digits"},
		{row: Row{ID: 118, Name: "x.example.org", Type: "HINFO", Content: "x86 Linux", TTL: 1}, err: "letters and digits"},
		{row: Row{ID: 119, Name: "x.example.org", Type: "SPF", Content: "v=spf1 -all", TTL: 1}, err: "letters and digits"},
		{row: Row{ID: 111, Name: "www.example.org", Type: "CNAME", Content: "a b", TTL: 1}, err: "one name"},
	}
	for _, tc := range tests {
		rr, err := ToRR("example.org", tc.row)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("row %d: got %v, %v; want error with %q", tc.row.ID, rr, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("row %d: %v", tc.row.ID, err)
			continue
		}
		if tc.want == "" {
			if rr != nil {
				t.Errorf("row %d: got %s, want no record", tc.row.ID, rr)
			}
			continue
		}
		want, err := dns.NewRR(tc.want)
		if err != nil {
			t.Fatalf("row %d: bad want: %v", tc.row.ID, err)
		}
		if rr == nil || rr.String() != want.String() {
			t.Errorf("row %d: got %v, want %s", tc.row.ID, rr, want)
		}
	}
}

func TestToRRSpecialTypes(t *testing.T) {
	rr, err := ToRR("example.org.", Row{ID: 1, Name: "example.org", Type: "ALIAS", Content: "Target.Example.NET", TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := rrtypes.AsALIAS(rr)
	if !ok || a.Target != "Target.Example.NET." {
		t.Errorf("got %v %v, want ALIAS to Target.Example.NET.", a, ok)
	}
	rr, err = ToRR("example.org.", Row{ID: 2, Name: "www.example.org", Type: "POOL", Content: "h.example.net", TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := rrtypes.AsPOOL(rr); !ok || p.Weight != 1 || p.Target != "h.example.net." {
		t.Errorf("got %v, want POOL h.example.net. 1", rr)
	}
}

func TestFqdn(t *testing.T) {
	for in, want := range map[string]string{
		"": ".", ".": ".", "a": "a.", "a.": "a.", `a\.`: `a\..`, `a\\.`: `a\\.`, "a.b": "a.b.",
	} {
		if got := fqdn(in); got != want {
			t.Errorf("fqdn(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzToRR checks that no row, however malformed, panics, and that a row
// that converts gives a record inside the zone that survives a round trip
// through its own text.
func FuzzToRR(f *testing.F) {
	f.Add("www.example.org", "A", "192.0.2.1", int64(300), int64(0))
	f.Add("example.org", "MX", "mail.example.org", int64(300), int64(10))
	f.Add("_s._tcp.example.org", "SRV", "1 2 mail", int64(-1), int64(3))
	f.Add("example.org", "SOA", "a b 1 2 3 4 5", int64(1), int64(0))
	f.Add("*.example.org", "TXT", `"a" "b"`, int64(1), int64(0))
	f.Add("example.org", "ALIAS", "x.example.net", int64(1), int64(0))
	f.Add("example.org", "POOL", "x 0", int64(1), int64(0))
	f.Add("example.org", "URL", `"https://a/" 303`, int64(1), int64(0))
	f.Add("x.example.org", "", "", int64(1), int64(0))
	f.Add("x.example.org", "TYPE1", `\# 4 c0000201`, int64(1), int64(0))
	f.Add(`a\.b.example.org`, "NAPTR", `1 1 "s" "x" "" .`, int64(1), int64(0))
	f.Add("example.org", "HTTPS", `1 . alpn=h2`, int64(1), int64(0))
	f.Add("t.example.org", "TXT", "v=DKIM1; k=rsa; p=MIIB", int64(1), int64(0))
	f.Add("t.example.org", "TXT", "", int64(1), int64(0))
	f.Add("t.example.org", "SPF", "", int64(1), int64(0))
	f.Add("t.example.org", "TXT", `"a\"b" "c\\d" "\300"`, int64(1), int64(0))
	f.Add("t.example.org", "TXT", strings.Repeat("é", 200), int64(1), int64(0))
	f.Add("x.example.org", "CAA", `0 issue "a;b"`, int64(1), int64(0))
	f.Add("x.example.org", "HINFO", `"x86" Linux`, int64(1), int64(0))
	f.Add("x.example.org", "NAPTR", `1 2 "u" "E2U+sip" "!^.*$!sip:a@b!" .`, int64(1), int64(0))
	f.Add("x.example.org", "TYPE65534", `\# 0`, int64(1), int64(0))
	f.Add("x.example.org", "NULL", `\# 0`, int64(1), int64(0))
	f.Add("x.example.org", "APL", ``, int64(1), int64(0))
	f.Fuzz(func(t *testing.T, name, typ, content string, ttl, prio int64) {
		rr, err := ToRR("example.org", Row{ID: 1, Name: name, Type: typ, Content: content, TTL: ttl, Prio: prio})
		if err != nil || rr == nil {
			return
		}
		if !dns.IsSubDomain("example.org.", dns.CanonicalName(rr.Header().Name)) {
			t.Fatalf("%q gave %s outside the zone", name, rr)
		}
		roundTrip(t, rr)
	})
}

// roundTrip fails t unless rr packs to wire, unpacks to the same record, and
// its zone-file text parses back to the same wire form: the record a row
// makes is one a secondary can take by AXFR.
func roundTrip(t *testing.T, rr dns.RR) {
	t.Helper()
	buf := make([]byte, dns.MaxMsgSize)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		t.Fatalf("%s does not pack: %v", rr, err)
	}
	back, _, err := dns.UnpackRR(buf[:off], 0)
	if err != nil {
		t.Fatalf("%s does not unpack: %v", rr, err)
	}
	if typ := rr.Header().Rrtype; (typ == dns.TypeTXT || typ == dns.TypeSPF) && back.Header().Rdlength == 0 {
		t.Fatalf("%s has empty rdata", rr)
	}
	if b, err := pack(back); err != nil || b != string(buf[:off]) {
		t.Fatalf("%s unpacks as %s (%v)", rr, back, err)
	}
	// TXT strings are kept in the form unpacking gives, so that equal rows
	// compare equal whatever their escapes; other types may differ in how
	// they escape the same octets (a raw byte in a CAA tag).
	if typ := rr.Header().Rrtype; (typ == dns.TypeTXT || typ == dns.TypeSPF) && back.String() != rr.String() {
		t.Fatalf("%s unpacks as %s", rr, back)
	}
	text, err := dns.NewRR(rr.String())
	if err != nil || text == nil {
		t.Fatalf("%s does not parse back: %v", rr, err)
	}
	if b, err := pack(text); err != nil || b != string(buf[:off]) {
		t.Fatalf("%s: its text %s packs differently (%v)", rr, text, err)
	}
}

func pack(rr dns.RR) (string, error) {
	buf := make([]byte, dns.MaxMsgSize)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	return string(buf[:off]), err
}

// FuzzAddressRR checks the A/AAAA shortcut against the zone-file parser it
// stands in for: where the shortcut builds a record, the parser must build
// the same one; where the parser refuses the content, so must the shortcut.
func FuzzAddressRR(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "::", "0.0.0.0", "1.2.3", "1.2.3.4.5",
		"01.2.3.4", "192.0.2.256", "2001:DB8::A", "fe80::1%eth0", "1.2.3.4 5", "::1.2.3.4", "g::1", "", ":", "1:2:3:4:5:6:7:8:9"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, content string, aaaa bool) {
		typ, name := dns.TypeA, "A"
		if aaaa {
			typ, name = dns.TypeAAAA, "AAAA"
		}
		fast := addressRR(typ, "www.example.org.", 300, content)
		if strings.ContainsAny(content, "\n\r;()\"\\") {
			return // the parser reads these as syntax; ToRR refuses line breaks first
		}
		parsed, err := dns.NewRR("www.example.org. 300 IN " + name + " " + content)
		if fast == nil {
			return // the parser decides, as before
		}
		if err != nil || parsed == nil {
			t.Fatalf("%s %q: shortcut gave %v, parser refused it: %v", name, content, fast, err)
		}
		if !reflect.DeepEqual(fast, parsed) {
			t.Fatalf("%s %q: shortcut %v, parser %v", name, content, fast, parsed)
		}
	})
}

// FuzzNameRR checks the NS/CNAME/PTR/MX/SOA shortcut against the zone-file
// parser it stands in for: where the shortcut builds a record, the parser
// must build the same one from the same rdata.
func FuzzNameRR(f *testing.F) {
	for _, s := range []string{"ns1.example.net.", "NS1.Example.NET.", ".", "a..b.", "x", "*.example.", "_sip._tcp.example.",
		"a\\.b.example.", "@", "10 mail.example.org.", "65535 mx.", "65536 mx.", "010 mx.", "-1 mx.", "10  mx.",
		"ns1.example.net. hostmaster.example.net. 2026112101 7200 3600 1209600 300",
		"ns1. h. 4294967295 1 2 3 4", "ns1. h. 4294967296 1 2 3 4", "ns1. h. 1 1h 2 3 4", "ns1. h. 1 2 3 4",
		strings.Repeat("a", 63) + ".example.", strings.Repeat("a", 64) + ".example."} {
		for _, t := range []uint16{dns.TypeNS, dns.TypeCNAME, dns.TypePTR, dns.TypeMX, dns.TypeSOA} {
			f.Add(s, t)
		}
	}
	f.Fuzz(func(t *testing.T, rdata string, typ uint16) {
		hdr := dns.RR_Header{Name: "www.example.org.", Rrtype: typ, Class: dns.ClassINET, Ttl: 300}
		fast := nameRR(hdr, rdata)
		if fast == nil {
			return // the parser decides, as before
		}
		parsed, err := dns.NewRR("www.example.org. 300 IN " + dns.TypeToString[typ] + " " + rdata)
		if err != nil || parsed == nil {
			t.Fatalf("%s %q: shortcut gave %v, parser refused it: %v", dns.TypeToString[typ], rdata, fast, err)
		}
		if !reflect.DeepEqual(fast, parsed) {
			t.Fatalf("%s %q: shortcut %#v, parser %#v", dns.TypeToString[typ], rdata, fast, parsed)
		}
	})
}

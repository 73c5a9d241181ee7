package chainlookup

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

var zoneSeeds = [][2]string{
	{"example.org.", "example.org."},
	{"example.org.", "www.example.org."},
	{"example.org.", "WWW.Example.ORG."},
	{"example.org.", "wwwexample.org."},
	{"example.org.", "a\\.example.org."},
	{"example.org.", "a\\\\.example.org."},
	{"example.org.", "org."},
	{".", "anything.example."},
	{"org.", "example.org."},
	{"b.example.org.", "a.example.org."},
}

// InZone agrees with dns.IsSubDomain (which is what plugin.Zones.Matches uses).
func TestInZone(t *testing.T) {
	for _, s := range zoneSeeds {
		if got, want := InZone(s[0], s[1]), dns.IsSubDomain(s[0], s[1]); got != want {
			t.Errorf("InZone(%q, %q) = %v, dns.IsSubDomain says %v", s[0], s[1], got, want)
		}
	}
	if got := Matches([]string{"org.", "example.org.", "a.example.org."}, "x.example.org."); got != "example.org." {
		t.Errorf("Matches = %q, want example.org.", got)
	}
	if got := Matches([]string{"example.org."}, "example.net."); got != "" {
		t.Errorf("Matches = %q, want none", got)
	}
	if n := testing.AllocsPerRun(100, func() { Matches([]string{"example.org."}, "www.example.org.") }); n != 0 {
		t.Errorf("Matches allocates %v times", n)
	}
}

func FuzzInZone(f *testing.F) {
	for _, s := range zoneSeeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, zone, name string) {
		zone, name = dns.Fqdn(zone), dns.Fqdn(name)
		if _, ok := dns.IsDomainName(zone); !ok {
			return
		}
		if _, ok := dns.IsDomainName(name); !ok {
			return
		}
		// Compare on canonical forms: IsSubDomain works on labels as miekg/dns splits them.
		if got, want := InZone(dns.CanonicalName(zone), name), dns.IsSubDomain(dns.CanonicalName(zone), name); got != want {
			t.Errorf("InZone(%q, %q) = %v, dns.IsSubDomain says %v", zone, name, got, want)
		}
	})
}

func TestZonesMatch(t *testing.T) {
	var many []string
	for i := range 100 {
		many = append(many, "z"+string(rune('a'+i%26))+string(rune('a'+i/26))+".example.")
	}
	many = append(many, "example.org.", "sub.example.org.", "a\\.b.example.net.")
	z := NewZones(many)
	for _, tc := range [][2]string{
		{"www.example.org.", "example.org."},
		{"x.SUB.example.org.", "sub.example.org."},
		{"example.org.", "example.org."},
		{"zab.example.", "zab.example."},
		{"q.a\\.b.example.net.", "a\\.b.example.net."},
		{"b.example.net.", ""},
		{"org.", ""},
		{"wwwexample.org.", ""},
	} {
		if got := z.Match(tc[0]); got != tc[1] {
			t.Errorf("Match(%q) = %q, want %q", tc[0], got, tc[1])
		}
		if got, want := z.Match(tc[0]), Matches(many, tc[0]); !strings.EqualFold(got, want) {
			t.Errorf("Match(%q) = %q, Matches says %q", tc[0], got, want)
		}
	}
	if got := NewZones(append(many, ".")).Match("anything.test."); got != "." {
		t.Errorf("root zone: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { z.Match("www.example.org.") }); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}

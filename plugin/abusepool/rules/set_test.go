package rules

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func mustRules(t testing.TB, lines ...string) []Rule {
	t.Helper()
	rs := make([]Rule, len(lines))
	for i, l := range lines {
		r, err := ParseCorefile(strings.Fields(l), now)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		rs[i] = r
	}
	return rs
}

func q(name, addr string, qtype uint16) Query {
	return Query{Name: name, Addr: netip.MustParseAddr(addr), QType: qtype}
}

func TestSetMatch(t *testing.T) {
	set := NewSet(mustRules(t,
		"combo suffix example.com cidr 192.0.2.0/24 qtype TXT refused",
		"suffix suffix example.com drop",
		"net6 cidr 2001:db8::/32 truncate",
		"host cidr 198.51.100.7 drop",
		"any qtype ANY refused",
		"later suffix www.example.com refused",
		"root suffix . qtype TYPE65401 drop",
		"net4 cidr 203.0.113.0/24 qtype A refused",
	))
	cases := []struct {
		q    Query
		want string
	}{
		{q("example.com.", "192.0.2.1", dns.TypeTXT), "combo"},
		{q("example.com.", "192.0.2.1", dns.TypeA), "suffix"},
		{q("a.b.example.com.", "10.0.0.1", dns.TypeA), "suffix"},
		{q("www.example.com.", "10.0.0.1", dns.TypeA), "suffix"}, // earlier rule wins over the longer suffix
		{q("badexample.com.", "10.0.0.1", dns.TypeA), ""},
		{q("com.", "10.0.0.1", dns.TypeA), ""},
		{q("x.org.", "2001:db8:1::5", dns.TypeA), "net6"},
		{q("x.org.", "2001:db9::5", dns.TypeA), ""},
		{q("x.org.", "198.51.100.7", dns.TypeA), "host"},
		{q("x.org.", "::ffff:198.51.100.7", dns.TypeA), "host"},
		{q("x.org.", "198.51.100.8", dns.TypeA), ""},
		{q("x.org.", "10.0.0.1", dns.TypeANY), "any"},
		{q("x.org.", "10.0.0.1", 65401), "root"},
		{q("x.org.", "203.0.113.9", dns.TypeA), "net4"},
		{q("x.org.", "203.0.113.9", dns.TypeAAAA), ""},
		{Query{Name: "x.org.", QType: dns.TypeANY}, "any"},
		{Query{Name: "", QType: dns.TypeA}, ""},
	}
	for _, c := range cases {
		got := set.Match(c.q)
		id := ""
		if got != nil {
			id = got.ID
		}
		if id != c.want {
			t.Errorf("%+v: matched %q, want %q", c.q, id, c.want)
		}
	}
	if set.Len() != 8 {
		t.Errorf("Len = %d", set.Len())
	}
}

func TestSetEmptyAndNil(t *testing.T) {
	var nilSet *Set
	if nilSet.Match(q("a.", "192.0.2.1", 1)) != nil || nilSet.Len() != 0 {
		t.Error("nil set matched")
	}
	if NewSet(nil).Match(q("a.", "192.0.2.1", 1)) != nil {
		t.Error("empty set matched")
	}
	// An invalid rule (not validated) never matches and does not crash the set.
	bad := NewSet([]Rule{{ID: "bad", Match: Match{CIDR: "nonsense"}, Action: Drop}, {ID: "none", Action: Drop}})
	if bad.Match(q("a.", "192.0.2.1", 1)) != nil || bad.Len() != 2 {
		t.Error("invalid rule matched")
	}
}

// TestSetMatchAgreesWithLinearScan checks the index against the obvious definition: the
// first rule whose every field matches.
func TestSetMatchAgreesWithLinearScan(t *testing.T) {
	rs := manyRules(t, 300)
	rs = append(rs, mustRules(t, "late suffix x9.example cidr 10.9.0.0/16 drop")...)
	// Prefixes shorter than the first octet (IPv4) or 16 bits (IPv6) cover ranges of them.
	rs = append(rs, mustRules(t, "short4 cidr 64.0.0.0/3 refused", "short6 cidr 3000::/6 drop", "host4 cidr 203.0.113.9 drop")...)
	set := NewSet(rs)
	for i := 0; i < 4000; i++ {
		qq := Query{
			Name:  fmt.Sprintf("w.x%d.example.", i%23),
			Addr:  netip.AddrFrom4([4]byte{10, byte(i % 17), byte(i % 7), byte(i)}),
			QType: uint16(i%5 + 1),
		}
		switch i % 6 {
		case 0, 3:
			qq.Addr = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i % 11), byte(i), 15: 1})
		case 1:
			qq.Addr = netip.AddrFrom4([4]byte{byte(i / 6), 0, 113, byte(i % 13)})
		case 4:
			qq.Addr = netip.AddrFrom16([16]byte{byte(i / 6), byte(i), 15: 1})
		}
		var want *Rule
		for j := range rs {
			if c, ok := compile(rs[j].Match); ok && c.matches(qq) {
				want = &rs[j]
				break
			}
		}
		got := set.Match(qq)
		if (got == nil) != (want == nil) || got != nil && got.ID != want.ID {
			t.Fatalf("%+v: got %v, want %v", qq, got, want)
		}
	}
}

func TestSetMatchDoesNotAllocate(t *testing.T) {
	set := NewSet(manyRules(t, 1000))
	queries := []Query{
		q("a.b.c.no-such.example.", "192.0.2.1", dns.TypeA),
		q("x5.example.", "10.5.0.1", dns.TypeTXT),
		q("www.example.org.", "2001:db8:5::1", dns.TypeAAAA),
		q("www.example.org.", "::ffff:10.3.3.3", dns.TypeMX),
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for _, qq := range queries {
			set.Match(qq)
		}
	})
	if allocs != 0 {
		t.Errorf("Match allocates %v times per run", allocs)
	}
}

// manyRules makes n rules of every kind: suffixes, IPv4 and IPv6 CIDRs of several lengths,
// query types and combinations. None matches names under no-such.example or 192.0.2.0/24.
func manyRules(t testing.TB, n int) []Rule {
	lines := make([]string, n)
	for i := range lines {
		switch i % 6 {
		case 0:
			lines[i] = fmt.Sprintf("r%d suffix x%d.example drop", i, i)
		case 1:
			lines[i] = fmt.Sprintf("r%d cidr 10.%d.%d.0/%d refused", i, i%250, i/250, 24+i%3)
		case 2:
			lines[i] = fmt.Sprintf("r%d cidr 2001:db8:%x::/%d truncate", i, i, 48+i%2*8)
		case 3:
			lines[i] = fmt.Sprintf("r%d qtype TYPE%d drop", i, 1000+i)
		case 4:
			lines[i] = fmt.Sprintf("r%d suffix y%d.example qtype TXT cidr 10.%d.0.0/16 drop", i, i, i%250)
		case 5:
			lines[i] = fmt.Sprintf("r%d cidr 172.%d.%d.0/24 qtype ANY ratelimit 10 20 client drop", i, 16+i%16, i%250)
		}
	}
	return mustRules(t, lines...)
}

func TestSetConcurrentMatch(t *testing.T) {
	set := NewSet(manyRules(t, 100))
	done := make(chan bool)
	for g := range 4 {
		go func() {
			ok := true
			for i := range 1000 {
				r := set.Match(q("w.x6.example.", "192.0.2.1", uint16(g+i%3)))
				ok = ok && r != nil && r.ID == "r6"
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a concurrent Match went wrong")
		}
	}
}

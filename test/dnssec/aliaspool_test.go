package dnssec_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// aliasPoolZone has ALIAS rows (at the apex and below it) and POOL rows, as
// corefile-examples/alias-pool-sql stores them, the targets in the zone.
const aliasPoolZone = `$ORIGIN example.org.
@	3600	IN	SOA	ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300
@	3600	IN	NS	ns1.example.org.
@	300	IN	ALIAS	lb.example.org.
ns1	3600	IN	A	192.0.2.53
lb	60	IN	A	192.0.2.80
lb	60	IN	AAAA	2001:db8::80
shop	300	IN	ALIAS	lb.example.org.
www	30	IN	POOL	web1.example.org. 1
www	30	IN	POOL	web2.example.org. 1
web1	3600	IN	A	192.0.2.81
web2	3600	IN	A	192.0.2.82
`

// aliasPoolCases are answered by alias (the addresses of an ALIAS's target)
// and by sqlbackend's denial for what the names do not have.
var aliasPoolCases = []dnsCase{
	{name: "apex ALIAS A", qname: origin, qtype: dns.TypeA, secure: true,
		answer: []string{"example.org. A 192.0.2.80"}},
	{name: "apex ALIAS AAAA", qname: origin, qtype: dns.TypeAAAA, secure: true,
		answer: []string{"example.org. AAAA 2001:db8::80"}},
	{name: "ALIAS A", qname: "shop.example.org.", qtype: dns.TypeA, secure: true,
		answer: []string{"shop.example.org. A 192.0.2.80"}},
	{name: "apex ALIAS MX", qname: origin, qtype: dns.TypeMX, secure: true, denial: true},
	{name: "ALIAS MX", qname: "shop.example.org.", qtype: dns.TypeMX, secure: true, denial: true},
	{name: "ALIAS nxdomain", qname: "nope.example.org.", qtype: dns.TypeA, rcode: dns.RcodeNameError, secure: true, denial: true},
}

// poolMembers are the answers the POOL name www may get for A: a CNAME to
// one member, and its address.
var poolMembers = map[string]dnsCase{
	"web1.example.org.": {name: "POOL A", qname: "www.example.org.", qtype: dns.TypeA, secure: true,
		answer: []string{"www.example.org. CNAME web1.example.org.", "web1.example.org. A 192.0.2.81"}},
	"web2.example.org.": {name: "POOL A", qname: "www.example.org.", qtype: dns.TypeA, secure: true,
		answer: []string{"www.example.org. CNAME web2.example.org.", "web2.example.org. A 192.0.2.82"}},
}

// TestHostdnsAliasPool: sqlsign signs what alias and pool answer from
// sqlbackend's ALIAS and POOL rows, and the denial for the types an ALIAS
// name does not have validates, its bitmap claiming A and AAAA but not MX.
// hostdns only: PowerDNS needs a resolver to answer ALIAS and has no POOL.
func TestHostdnsAliasPool(t *testing.T) {
	insec := startInsec(t)
	for _, s := range []signing{signings[0], signings[2]} {
		t.Run(s.name, func(t *testing.T) {
			f := newZoneFixture(t, aliasPoolZone)
			f.secure(t, s)
			addr := startHostdns(t, f, "alias\n\tpool")
			u := resolver(t, addr, insec, f.anchors(t))
			for _, c := range aliasPoolCases {
				checkCase(t, harness.Validate(t, u.Addr, c.qname, c.qtype), c, s)
			}
			checkPool(t, u, s)
			for _, qname := range []string{origin, "shop.example.org."} {
				checkBitmaps(t, askAuthority(t, addr, qname, dns.TypeMX), qname)
			}
		})
	}
}

// checkPool asks for the POOL name's address until both members have
// answered (the pick is random, weighted 1:1), each answer validating.
func checkPool(t *testing.T, u *harness.Unbound, s signing) {
	t.Helper()
	seen := map[string]bool{}
	for i := 0; i < 40 && len(seen) < len(poolMembers); i++ {
		m := harness.Validate(t, u.Addr, "www.example.org.", dns.TypeA)
		target := ""
		for _, rr := range m.Answer {
			if cn, ok := rr.(*dns.CNAME); ok {
				target = cn.Target
			}
		}
		c, ok := poolMembers[target]
		if !ok {
			t.Fatalf("POOL A: CNAME to %q, not a member\n%v", target, m)
		}
		checkCase(t, m, c, s)
		seen[target] = true
		// Unbound caches the CNAME for the POOL's TTL: ask afresh.
		u.Control(t, "flush", "www.example.org.")
	}
	if len(seen) < len(poolMembers) {
		t.Errorf("POOL A: only %v answered in 40 questions", seen)
	}
}

// checkBitmaps checks the NSEC or NSEC3 records of a NODATA answer for
// qname's MX: the one for qname lists A and AAAA (alias answers them) and
// none claims MX.
func checkBitmaps(t *testing.T, m *dns.Msg, qname string) {
	t.Helper()
	found := false
	for _, rr := range m.Ns {
		var (
			bitmap []uint16
			match  bool
		)
		switch x := rr.(type) {
		case *dns.NSEC:
			bitmap, match = x.TypeBitMap, strings.EqualFold(x.Hdr.Name, qname)
		case *dns.NSEC3:
			bitmap, match = x.TypeBitMap, x.Match(qname)
		default:
			continue
		}
		found = found || match
		if slices.Contains(bitmap, dns.TypeMX) {
			t.Errorf("%s MX: the bitmap claims MX: %v", qname, rr)
		}
		if match && (!slices.Contains(bitmap, dns.TypeA) || !slices.Contains(bitmap, dns.TypeAAAA)) {
			t.Errorf("%s MX: the bitmap of an ALIAS name lacks A or AAAA: %v", qname, rr)
		}
	}
	if m.Rcode != dns.RcodeSuccess || len(m.Answer) > 0 || !found {
		t.Errorf("%s MX: want NODATA with the NSEC or NSEC3 of the name\n%v", qname, m)
	}
}

package zone

import (
	"context"
	"testing"

	"github.com/miekg/dns"
)

// The RFC cases, answers written out: three served zones, a parent, its
// child below a delegation, and a sibling, with the Chaser a real set of
// Zones.
const (
	parentZone = `$ORIGIN example.com.
@        3600 IN SOA   ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@        3600 IN NS    ns1.example.com.
ns1      3600 IN A     192.0.2.1
*        300  IN A     192.0.2.2
x.ent    300  IN A     192.0.2.3
child    3600 IN NS    ns.child.example.com.
ns.child 3600 IN A     192.0.2.53
toother  300  IN CNAME www.example.net.
tonodata 300  IN CNAME www.example.net.
tonx     300  IN CNAME nx.example.net.
tochild  300  IN CNAME www.child.example.com.
tomx     300  IN CNAME ns1.example.com.
svc      300  IN HTTPS 1 . alpn="h2"
svc      300  IN A     192.0.2.9
svc      300  IN AAAA  2001:db8::9
svcalias 300  IN HTTPS 0 .
`
	siblingZone = `$ORIGIN example.net.
@        600  IN SOA   ns1.example.net. hostmaster.example.net. 7 7200 3600 1209600 60
@        600  IN NS    ns1.example.net.
ns1      600  IN A     198.51.100.53
www      600  IN A     198.51.100.1
`
	childZone = `$ORIGIN child.example.com.
@        3600 IN SOA   ns.child.example.com. hostmaster.example.com. 3 7200 3600 1209600 120
@        3600 IN NS    ns.child.example.com.
ns       3600 IN A     192.0.2.53
www      300  IN A     203.0.113.1
`
)

var (
	parentNS  = []string{"example.com. 3600 IN NS ns1.example.com."}
	parentNeg = []string{"example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"}
)

func TestLookupRFC(t *testing.T) {
	parent := build(t, "example.com.", parseZone(t, parentZone))
	served := servedZones{parent, build(t, "example.net.", parseZone(t, siblingZone)), build(t, "child.example.com.", parseZone(t, childZone))}
	cases := []struct {
		name, qname string
		qtype       uint16
		result      Result
		answer, ns  []string
		extra       []string
	}{
		{"RFC 4592 2.2.2: an ENT exists, the wildcard above does not match it: NODATA",
			"ent.example.com.", dns.TypeA, NoData, nil, parentNeg, nil},
		{"RFC 4592 3.3.1: below an ENT whose wildcard does not exist: NXDOMAIN",
			"y.ent.example.com.", dns.TypeA, NameError, nil, parentNeg, nil},
		{"RFC 4592 3.3.3: the wildcard at the apex matches a name with no closer encloser",
			"foo.example.com.", dns.TypeA, Success, []string{"foo.example.com. 300 IN A 192.0.2.2"}, parentNS, nil},
		// The authority: the NS of the zone holding the answer's last name, as
		// NSD and BIND send it (test/sqlbackend/rfc_test.go).
		{"RFC 1034 4.3.2 3a: a chain into a sibling zone continues there",
			"toother.example.com.", dns.TypeA, Success,
			[]string{"toother.example.com. 300 IN CNAME www.example.net.", "www.example.net. 600 IN A 198.51.100.1"},
			[]string{"example.net. 600 IN NS ns1.example.net."}, nil},
		{"RFC 2308 2.2: a chain ending in NODATA in another zone carries that zone's SOA (TTL min 60)",
			"tonodata.example.com.", dns.TypeMX, NoData, []string{"tonodata.example.com. 300 IN CNAME www.example.net."},
			[]string{"example.net. 60 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 3600 1209600 60"}, nil},
		{"RFC 2308 2.1: a chain ending in NXDOMAIN in another zone carries that zone's SOA",
			"tonx.example.com.", dns.TypeA, NameError, []string{"tonx.example.com. 300 IN CNAME nx.example.net."},
			[]string{"example.net. 60 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 3600 1209600 60"}, nil},
		{"RFC 1034 4.3.2 3a: a chain into a child zone served here continues there, not at the cut",
			"tochild.example.com.", dns.TypeA, Success,
			[]string{"tochild.example.com. 300 IN CNAME www.child.example.com.", "www.child.example.com. 300 IN A 203.0.113.1"},
			[]string{"child.example.com. 3600 IN NS ns.child.example.com."}, nil},
		{"RFC 2308 2.2: an in-zone chain ending at a name without the type is NODATA with the SOA",
			"tomx.example.com.", dns.TypeMX, NoData, []string{"tomx.example.com. 300 IN CNAME ns1.example.com."}, parentNeg, nil},
		{"RFC 1034 4.3.2 3b: asked of the parent, a name below the cut is a referral with glue",
			"www.child.example.com.", dns.TypeA, Delegation, nil,
			[]string{"child.example.com. 3600 IN NS ns.child.example.com."}, []string{"ns.child.example.com. 3600 IN A 192.0.2.53"}},
		{"RFC 9460 4.1: HTTPS with TargetName '.' in ServiceMode: the owner's addresses are additional",
			"svc.example.com.", dns.TypeHTTPS, Success, []string{`svc.example.com. 300 IN HTTPS 1 . alpn="h2"`}, parentNS,
			[]string{"svc.example.com. 300 IN A 192.0.2.9", "svc.example.com. 300 IN AAAA 2001:db8::9"}},
		{"RFC 9460 2.5.1: TargetName '.' in AliasMode is no service: nothing additional",
			"svcalias.example.com.", dns.TypeHTTPS, Success, []string{"svcalias.example.com. 300 IN HTTPS 0 ."}, parentNS, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asked := served.Zone(c.qname)
			if c.result == Delegation {
				asked = parent // the parent is asked, as a server without the child would be
			}
			got := asked.Lookup(context.Background(), Query{Name: c.qname, Type: c.qtype}, served)
			want := Answer{Answer: rrs(t, c.answer), Ns: rrs(t, c.ns), Extra: rrs(t, c.extra), Result: c.result}
			if msg := compareAnswers(got, want); msg != "" {
				t.Errorf("%s\ngot:  %s\nwant: %s", msg, show(got), show(want))
			}
			checkClipped(t, Query{Name: c.qname, Type: c.qtype}, got)
		})
	}
}

// TestLookupApexOnly: a zone of SOA and NS alone. file keeps those apart
// from its tree and so answers NXDOMAIN for other types at the apex, which
// exists (RFC 1034 4.3.2: NODATA).
func TestLookupApexOnly(t *testing.T) {
	z := build(t, "only.test.", parseZone(t, `only.test. 3600 IN SOA ns.only.test. h.only.test. 1 2 3 4 300
only.test. 3600 IN NS ns.other.test.`))
	got := z.Lookup(context.Background(), Query{Name: "only.test.", Type: dns.TypeMX}, servedZones{z})
	want := Answer{Ns: rrs(t, []string{"only.test. 300 IN SOA ns.only.test. h.only.test. 1 2 3 4 300"}), Result: NoData}
	if msg := compareAnswers(got, want); msg != "" {
		t.Errorf("%s\ngot:  %s\nwant: %s", msg, show(got), show(want))
	}
}

func rrs(t *testing.T, texts []string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, s := range texts {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rr)
	}
	return out
}

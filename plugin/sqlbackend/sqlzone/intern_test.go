package sqlzone

import (
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

func TestBuildZoneSharesNames(t *testing.T) {
	rows := func(zone string) []sqlstore.Row {
		return []sqlstore.Row{
			{ID: 1, Name: zone, Type: "SOA", Content: "ns1.provider.net hostmaster." + zone + " 1 7200 3600 1209600 300", TTL: 300},
			{ID: 2, Name: zone, Type: "NS", Content: "ns1.provider.net", TTL: 300},
			{ID: 3, Name: zone, Type: "NS", Content: "ns2.provider.net", TTL: 300},
			{ID: 4, Name: "www." + zone, Type: "A", Content: "192.0.2.1", TTL: 300},
			{ID: 5, Name: "www." + zone, Type: "AAAA", Content: "2001:db8::1", TTL: 300},
			{ID: 6, Name: zone, Type: "MX", Content: "mx.provider.net", Prio: 10, TTL: 300},
		}
	}
	shared := Names{}
	a := buildZone("a.example.", rows("a.example"), shared)
	b := buildZone("b.example.", rows("b.example"), shared)
	if a.zone == nil || b.zone == nil || a.records != 6 || b.records != 6 {
		t.Fatalf("zones not built: %+v %+v", a, b)
	}
	same := func(what, x, y string) {
		t.Helper()
		if x != y || unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s: %q and %q are separate copies", what, x, y)
		}
	}
	find := func(z built, name string, typ uint16) []dns.RR {
		t.Helper()
		rrs := z.zone.RRset(name, typ)
		if len(rrs) == 0 {
			t.Fatalf("%s %s not in zone", name, dns.TypeToString[typ])
		}
		return rrs
	}
	wwwA, wwwAAAA := find(a, "www.a.example.", dns.TypeA), find(a, "www.a.example.", dns.TypeAAAA)
	same("owner of A and AAAA", wwwA[0].Header().Name, wwwAAAA[0].Header().Name)
	same("NS target across zones", find(a, "a.example.", dns.TypeNS)[0].(*dns.NS).Ns, find(b, "b.example.", dns.TypeNS)[0].(*dns.NS).Ns)
	same("SOA mname across zones", a.zone.SOA().Ns, b.zone.SOA().Ns)
	mxA, mxB := find(a, "a.example.", dns.TypeMX), find(b, "b.example.", dns.TypeMX)
	same("MX exchange across zones", mxA[0].(*dns.MX).Mx, mxB[0].(*dns.MX).Mx)

	// Without a shared table the names are shared inside the zone only.
	c := buildZone("a.example.", rows("a.example"), nil)
	cA, cAAAA := find(c, "www.a.example.", dns.TypeA), find(c, "www.a.example.", dns.TypeAAAA)
	same("owner of A and AAAA, own table", cA[0].Header().Name, cAAAA[0].Header().Name)
}

func TestNamesForgetsPastLimit(t *testing.T) {
	n := Names{}
	for i := 0; i < maxInterned+10; i++ {
		n.intern("host-" + strconv.Itoa(i) + ".example.")
	}
	if len(n) > maxInterned {
		t.Fatalf("names holds %d entries, want at most %d", len(n), maxInterned)
	}
	// host-1 was forgotten: a new copy becomes the shared one, and later
	// copies are replaced by it.
	first, later := strings.Clone("host-1.example."), strings.Clone("host-1.example.")
	if got := n.intern(first); unsafe.StringData(got) != unsafe.StringData(first) {
		t.Fatal("a forgotten name did not become the shared copy")
	}
	if got := n.intern(later); unsafe.StringData(got) != unsafe.StringData(first) {
		t.Fatal("a name interned after the limit is not shared")
	}
}

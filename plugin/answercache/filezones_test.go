package answercache

import (
	"context"
	"strings"
	"testing"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/test"

	"github.com/miekg/dns"
)

func zone(t *testing.T, origin, text string) *file.Zone {
	t.Helper()
	z, err := file.Parse(strings.NewReader(text), origin, "db."+origin, 0)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

const dbExample = `$ORIGIN example.org.
@	300 IN SOA ns.example.org. h.example.org. %d 7200 3600 1209600 300
	300 IN NS ns.example.org.
ns	300 IN A 192.0.2.53
www	300 IN A %s
`

func dbText(serial int, addr string) string {
	return strings.Replace(strings.Replace(dbExample, "%d", string(rune('0'+serial)), 1), "%s", addr, 1)
}

// counting counts the queries that reach the plugin below it.
type counting struct {
	next plugin.Handler
	n    int
}

func (c *counting) Name() string { return "counting" }
func (c *counting) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	c.n++
	return c.next.ServeDNS(ctx, w, r)
}

func TestFileZoneCachedAndInvalidatedOnReload(t *testing.T) {
	c, _, ctx := newTest(t, false)
	z := zone(t, "example.org.", dbText(1, "192.0.2.1"))
	f := file.File{Zones: file.Zones{Z: map[string]*file.Zone{"example.org.": z}, Names: []string{"example.org."}}}
	below := &counting{next: f}
	c.Next = below
	c.files = watchZones(&f, nil)
	defer c.files.halt()

	want := func(addr string) {
		t.Helper()
		_, m, rcode := ask(t, ctx, c, query("www.example.org.", dns.TypeA), udp4)
		check(t, m, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Rcode: rcode,
			Answer: []dns.RR{test.A("www.example.org. 300 IN A " + addr)},
			Ns:     []dns.RR{test.NS("example.org. 300 IN NS ns.example.org.")}})
	}
	want("192.0.2.1")
	want("192.0.2.1")
	if below.n != 1 || count(t, "hits") != 1 {
		t.Fatalf("file asked %d times, hits %v; want 1, 1", below.n, count(t, "hits"))
	}

	// What file's reload does: the zone's tree and apex replaced under its lock.
	nz := zone(t, "example.org.", dbText(2, "192.0.2.2"))
	z.Lock()
	z.Tree, z.Apex = nz.Tree, nz.Apex
	z.Unlock()
	c.files.poll()
	want("192.0.2.2")
	if below.n != 2 || count(t, "invalidations") != 1 {
		t.Fatalf("file asked %d times, invalidations %v; want 2, 1", below.n, count(t, "invalidations"))
	}

	// A name outside the file zones is not served by them: not stored.
	for i := 0; i < 2; i++ {
		w := &wire{addr: udp4}
		c.ServeDNS(ctx, w, query("www.example.net.", dns.TypeA))
	}
	if below.n != 4 || count(t, "stores") != 2 {
		t.Fatalf("file asked %d times, stores %v; want 4, 2", below.n, count(t, "stores"))
	}
}

func TestFileZonesBlockedByAPluginBelow(t *testing.T) {
	saved := dnsserver.Directives
	defer func() { dnsserver.Directives = saved }()
	dnsserver.Directives = []string{"log", "answercache", "dnssec", "hosts", "file", "forward"}
	for _, tc := range []struct {
		plugins []string
		blocker string
	}{
		{[]string{"log", "answercache", "dnssec", "file"}, ""},
		{[]string{"answercache", "hosts", "file"}, "hosts"},
		{[]string{"answercache", "file", "forward"}, "forward"},
	} {
		cfg := block(t, tc.plugins)
		// named("file") is not a file.File: no watcher either way, only the blocker tells.
		if fz, blocker := newFileZones(cfg); fz != nil || blocker != tc.blocker {
			t.Errorf("%v: watcher %v, blocker %q; want none, %q", tc.plugins, fz != nil, blocker, tc.blocker)
		}
	}
}

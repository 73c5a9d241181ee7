package secondaryfeed

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/flatten"
)

// newLifecycle is what setup makes for zones, with a report server on a free port.
func newLifecycle(zones ...string) *lifecycle {
	f := newFeed(zones)
	f.gate = &gate{}
	f.Allow = f.gate
	f.report = &reportServer{addr: "127.0.0.1:0", reports: f.reports}
	return &lifecycle{f: f, server: &dnsserver.Config{}}
}

// A reload: the old instance's restart frees the report server before the new one
// starts, and its shutdown drops the stored conversions of the zones the new one no
// longer feeds, keeping the others'; nothing is left running.
func TestReloadLifecycle(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	old := newLifecycle("a.example.", "b.example.")
	if err := old.startup(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res := old.f.checker.results
	for _, z := range []string{"a.example.", "b.example."} {
		rr := &dns.A{Hdr: dns.RR_Header{Name: "x." + z, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)}
		if err := res.Put(ctx, z, "x."+z, dns.TypeA, flatten.Result{RRs: []dns.RR{rr}, Resolved: time.Now(), TTL: 60}); err != nil {
			t.Fatal(err)
		}
	}
	bound := old.f.report.bound
	if err := old.restart(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", bound)
	if err != nil {
		t.Fatalf("report address still held after restart: %v", err)
	}
	ln.Close()

	next := newLifecycle("a.example.")
	if err := next.startup(); err != nil {
		t.Fatal(err)
	}
	if next.f.checker.results != res {
		t.Fatal("the memory results are not shared across the reload")
	}
	if err := old.shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := res.Get(ctx, "a.example.", "x.a.example.", dns.TypeA); !ok {
		t.Error("a.example's results dropped though still fed")
	}
	if _, ok, _ := res.Get(ctx, "b.example.", "x.b.example.", dns.TypeA); ok {
		t.Error("b.example's results kept though no longer fed")
	}
	if err := next.shutdown(); err != nil {
		t.Fatal(err)
	}
}

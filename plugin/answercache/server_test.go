package answercache_test

import (
	"context"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/test"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// acdata is a data plugin for the in-process server: www.example.org. A, its address
// changed by the test through the Dep, as sqlbackend does on a zone change.
var (
	acDep   = answerdeps.New()
	acAddr  atomic.Value // string
	acCalls atomic.Int64
)

func init() {
	acAddr.Store("192.0.2.1")
	plugin.Register("acdata", func(c *caddy.Controller) error {
		for c.Next() {
		}
		dnsserver.GetConfig(c).AddPlugin(func(plugin.Handler) plugin.Handler { return acdata{} })
		return nil
	})
	// Right below answercache, as a data plugin is.
	i := slices.Index(dnsserver.Directives, "answercache")
	dnsserver.Directives = slices.Insert(slices.Clone(dnsserver.Directives), i+1, "acdata")
}

type acdata struct{}

func (acdata) Name() string { return "acdata" }
func (acdata) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	stamp := acDep.Stamp()
	acCalls.Add(1)
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if strings.EqualFold(r.Question[0].Name, "www.example.org.") && r.Question[0].Qtype == dns.TypeA {
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "www.example.org.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300},
			A: net.ParseIP(acAddr.Load().(string))}}
	} else {
		m.Rcode = dns.RcodeNameError
	}
	answerdeps.From(ctx).Serve(stamp)
	return m.Rcode, w.WriteMsg(m)
}

func wantA(t *testing.T, m *dns.Msg, name, addr string) {
	t.Helper()
	owner := "www.example.org." // the data plugin's
	if strings.HasPrefix(name, "www2") {
		owner = name // reverted by rewrite
	}
	tc := test.Case{Qname: name, Qtype: dns.TypeA, Answer: []dns.RR{test.A(owner + " 300 IN A " + addr)}}
	if err := test.SortAndCheck(m, tc); err != nil || !m.Authoritative || m.Truncated || m.RecursionDesired {
		t.Fatalf("%v\n%s", err, m)
	}
}

func TestServerHitsAndInvalidation(t *testing.T) {
	s := harness.StartServer(t, "example.org:0 {\n answercache {\n  size 1MiB\n  admission off\n }\n acdata\n}\n")
	calls := acCalls.Load()
	for _, network := range []string{"udp", "tcp", "udp", "tcp"} {
		addr := s.UDP
		if network == "tcp" {
			addr = s.TCP
		}
		wantA(t, harness.Exchange(t, addr, harness.Query("WWW.example.org", dns.TypeA), network), "WWW.example.org.", acAddr.Load().(string))
	}
	if n := acCalls.Load() - calls; n != 2 {
		t.Fatalf("data plugin asked %d times for 2 udp and 2 tcp queries, want 2 (one per transport)", n)
	}
	acAddr.Store("192.0.2.7")
	acDep.Bump()
	wantA(t, harness.Exchange(t, s.UDP, harness.Query("www.example.org", dns.TypeA), "udp"), "www.example.org.", "192.0.2.7")
}

// TestServerWritersAbove: rewrite's reverter sits above the cache; a hit must still come
// out reverted (hits are written as messages in such a block).
func TestServerWritersAbove(t *testing.T) {
	s := harness.StartServer(t, "example.org:0 {\n rewrite name www2.example.org www.example.org\n answercache {\n  admission off\n }\n acdata\n}\n")
	calls := acCalls.Load()
	for i := 0; i < 3; i++ {
		wantA(t, harness.Exchange(t, s.UDP, harness.Query("www2.example.org", dns.TypeA), "udp"), "www2.example.org.", acAddr.Load().(string))
	}
	if n := acCalls.Load() - calls; n != 1 {
		t.Fatalf("data plugin asked %d times, want 1", n)
	}
}

// clocks counts the goroutines of answercache's coarse clocks.
func clocks() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "answercache.(*clock).start.func1(")
}

func TestReloadLeaksNoGoroutine(t *testing.T) {
	before := clocks()
	corefile := "example.org:0 {\n answercache\n acdata\n}\n"
	s := harness.StartServer(t, corefile)
	inst := s.Instance
	t.Logf("started: %d clocks, %d before", clocks(), before)
	for i := 0; i < 5; i++ {
		next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(corefile), Filepath: "Corefile", ServerTypeName: "dns"})
		if err != nil {
			t.Fatal(err)
		}
		inst = next
		t.Logf("reload %d: %d clocks", i, clocks())
		harness.Eventually(t, 2*time.Second, "one clock after the reload", func() bool { return clocks() == before+1 })
	}
	inst.Stop()
	inst.ShutdownCallbacks()
	harness.Eventually(t, 2*time.Second, "no clock after the stop", func() bool { return clocks() == before })
}

package answercache_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
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
	"github.com/prometheus/client_golang/prometheus"
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
	for _, network := range []string{"udp", "tcp"} {
		addr := s.UDP
		if network == "tcp" {
			addr = s.TCP
		}
		harness.Eventually(t, 2*time.Second, network+" hit", hitWith(func() {
			wantA(t, harness.Exchange(t, addr, harness.Query("WWW.example.org", dns.TypeA), network), "WWW.example.org.", acAddr.Load().(string))
		}))
	}
	acAddr.Store("192.0.2.7")
	acDep.Bump()
	wantA(t, harness.Exchange(t, s.UDP, harness.Query("www.example.org", dns.TypeA), "udp"), "www.example.org.", "192.0.2.7")
}

// TestServerWritersAbove: rewrite's reverter sits above the cache; a hit must still come
// out reverted (hits are written as messages in such a block).
func TestServerWritersAbove(t *testing.T) {
	s := harness.StartServer(t, "example.org:0 {\n rewrite name www2.example.org www.example.org\n answercache {\n  admission off\n }\n acdata\n}\n")
	harness.Eventually(t, 2*time.Second, "a hit", hitWith(func() {
		wantA(t, harness.Exchange(t, s.UDP, harness.Query("www2.example.org", dns.TypeA), "udp"), "www2.example.org.", acAddr.Load().(string))
	}))
}

// hitWith returns a condition for Eventually: ask answered without asking the data plugin.
// The first answers are misses, and the answer is stored only after the client got it, so
// a query right after it may miss too.
func hitWith(ask func()) func() bool {
	return func() bool {
		before := acCalls.Load()
		ask()
		return acCalls.Load() == before
	}
}

// clocks counts the goroutines of answercache: coarse clocks and file zone watchers.
func clocks() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "answercache.(*clock).start.func1(") +
		strings.Count(string(buf), "answercache.(*fileZones).start.func1(")
}

func TestReloadLeaksNoGoroutine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db.example.net")
	if err := os.WriteFile(db, []byte("@ 300 IN SOA ns.example.net. h.example.net. 1 7200 3600 1209600 300\n@ 300 IN NS ns.example.net.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := clocks()
	corefile := "example.org:0 {\n answercache\n acdata\n}\nexample.net:0 {\n answercache\n file " + db + "\n}\n"
	s := startReloadable(t, corefile)
	t.Logf("started: %d clocks, %d before", clocks(), before)
	for i := 0; i < 5; i++ {
		s.reload(t)
		t.Logf("reload %d: %d clocks", i, clocks())
		harness.Eventually(t, 2*time.Second, "a clock, a clock and a watcher after the reload", func() bool { return clocks() == before+3 })
	}
	s.stop()
	harness.Eventually(t, 2*time.Second, "no clock after the stop", func() bool { return clocks() == before })
}

// reloadable is an in-process server a test reloads. Not StartServer: its cleanup would
// shut the first instance down a second time after a reload did, and file's OnShutdown
// blocks on a second call.
type reloadable struct {
	inst     *caddy.Instance
	corefile string
}

// startReloadable starts corefile; whatever instance is current is stopped when the test
// ends, unless the test stopped it.
func startReloadable(t *testing.T, corefile string) *reloadable {
	t.Helper()
	inst, err := harness.StartServerErr(corefile)
	if err != nil {
		t.Fatal(err)
	}
	s := &reloadable{inst: inst, corefile: corefile}
	t.Cleanup(s.stop)
	return s
}

// reload restarts the server with the same Corefile, as the reload plugin does.
func (s *reloadable) reload(t *testing.T) {
	t.Helper()
	next, err := s.inst.Restart(caddy.CaddyfileInput{Contents: []byte(s.corefile), Filepath: "Corefile", ServerTypeName: "dns"})
	if err != nil {
		t.Fatal(err)
	}
	s.inst = next
}

func (s *reloadable) stop() {
	if s.inst != nil {
		s.inst.Stop()
		s.inst.ShutdownCallbacks()
		s.inst = nil
	}
}

// hits returns coredns_answercache_hits_total summed over servers.
func hits(t *testing.T) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "coredns_answercache_hits_total" {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestServerFileZone: answers of a stock file zone are cached, and a reload of the zone
// file is served within the watcher's period after file reloaded it.
func TestServerFileZone(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db.example.org")
	write := func(serial int, addr string) {
		text := "$ORIGIN example.org.\n@ 300 IN SOA ns.example.org. h.example.org. " + strconv.Itoa(serial) +
			" 7200 3600 1209600 300\n@ 300 IN NS ns.example.org.\nns 300 IN A 192.0.2.53\nwww 300 IN A " + addr + "\n"
		if err := os.WriteFile(db, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(1, "192.0.2.1")
	s := harness.StartServer(t, "example.org:0 {\n answercache {\n  admission off\n }\n file "+db+" {\n  reload 200ms\n }\n}\n")
	ask := func(addr string) bool {
		m := harness.Exchange(t, s.UDP, harness.Query("www.example.org", dns.TypeA), "udp")
		tc := test.Case{Qname: "www.example.org.", Qtype: dns.TypeA,
			Answer: []dns.RR{test.A("www.example.org. 300 IN A " + addr)},
			Ns:     []dns.RR{test.NS("example.org. 300 IN NS ns.example.org.")}}
		return test.SortAndCheck(m, tc) == nil && m.Authoritative && !m.Truncated
	}
	// file replaces the zone's data at its first reload tick (its mtime is new to it), which
	// the cache sees as a change: wait for answers that are hits.
	hitOf := func(addr string) func() bool {
		return func() bool {
			before := hits(t)
			if !ask(addr) {
				t.Fatalf("not the answer with %s", addr)
			}
			return hits(t) > before
		}
	}
	harness.Eventually(t, 3*time.Second, "a hit", hitOf("192.0.2.1"))
	write(2, "192.0.2.2")
	harness.Eventually(t, 3*time.Second, "the reloaded address", func() bool { return ask("192.0.2.2") })
	harness.Eventually(t, 3*time.Second, "a hit of the reloaded address", hitOf("192.0.2.2"))
}

// Package gobench benchmarks hostdns' data plugins in-process, side by side in one run: the
// stock file plugin with one server block per zone (the baseline: how providers run it), file
// with every zone in one server block (file-one-block, which scans its zones per query), the
// stock auto plugin and sqlbackend (on SQLite, when it is in plugin.cfg), all on the same
// generated zones (test/bench/benchdata) and the same queries, through the CoreDNS server's
// own ServeDNS (finding the server block, then its whole plugin chain) with a
// dnstest.Recorder: no sockets, no dnsperf.
//
//	go test -run '^$' -bench . -benchtime 20000x ./test/bench/gobench
//
// Each BenchmarkCompare/<mix> iteration sends the same query to every backend in turn and
// times each one, so machine noise (other builds on the box) hits all backends alike. The
// metrics are <backend>-ns/q and <backend>/file, the ratio of that backend's queries per
// second to file's (1.00 = as fast as file, 0.5 = half as fast).
//
// The plain `go test` run only checks that the generated zones load and that the backends give
// the same answers, on a small data set.
package gobench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/bench/benchdata"
	"github.com/hostdns/hostdns/test/harness"
)

// The benchcapture directive, put first in the chain for this test binary only, hands the
// real plugin chain of each server block to the test: `benchcapture LABEL` stores it under
// LABEL, once for each zone the block is keyed on.
var (
	capturedMu sync.Mutex
	captured   = map[string]router{}
)

func init() {
	clog.Discard() // auto logs one line per zone it loads
	caddy.RegisterPlugin("benchcapture", caddy.Plugin{ServerType: "dns", Action: setupCapture})
	if err := dnsserver.SetDirectives(append([]string{"benchcapture"}, dnsserver.Directives...)); err != nil {
		panic(err)
	}
}

func setupCapture(c *caddy.Controller) error {
	c.Next()
	if !c.NextArg() {
		return c.ArgErr()
	}
	label := c.Val()
	keys := c.ServerBlockKeys
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		capturedMu.Lock()
		defer capturedMu.Unlock()
		if captured[label] == nil {
			captured[label] = router{}
		}
		for _, k := range keys {
			zone := strings.TrimSuffix(strings.TrimPrefix(k, "dns://"), ":0")
			captured[label][dns.CanonicalName(zone)] = next
		}
		return next
	})
	return nil
}

// router hands a query to the chain of its server block as the CoreDNS server does: the
// block of the longest zone that holds the name, found by walking the name's labels in a
// map of the blocks' zones. With one server block per zone, that is how file is run.
type router map[string]plugin.Handler

func (r router) ServeDNS(ctx context.Context, w dns.ResponseWriter, m *dns.Msg) (int, error) {
	name := dns.CanonicalName(m.Question[0].Name)
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if h, ok := r[name[off:]]; ok {
			return h.ServeDNS(ctx, w, m)
		}
	}
	if h, ok := r["."]; ok {
		return h.ServeDNS(ctx, w, m)
	}
	return dns.RcodeRefused, nil
}

func (r router) Name() string { return "router" }

// dataset is one generated data directory and what the backends need from it.
type dataset struct {
	dir     string
	origins []string
}

func generate(tb testing.TB, o benchdata.Options) *dataset {
	tb.Helper()
	dir, err := os.MkdirTemp("", "hostdns-gobench-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := benchdata.Generate(dir, o); err != nil {
		tb.Fatal(err)
	}
	list, err := os.ReadFile(filepath.Join(dir, benchdata.ZoneList))
	if err != nil {
		tb.Fatal(err)
	}
	return &dataset{dir: dir, origins: strings.Fields(string(list))}
}

// keys is the server block key: every zone, on port 0.
func (d *dataset) keys() string {
	var sb strings.Builder
	for _, o := range d.origins {
		sb.WriteString(o + ":0 ")
	}
	return sb.String()
}

// backend is one data plugin configuration under test. corefile returns the whole Corefile,
// every server block on port 0; ok reports whether it can run here (plugin built in), with the
// reason when not.
type backend struct {
	name     string
	corefile func(tb testing.TB, d *dataset) string
	ok       func() (bool, string)
}

func always() (bool, string) { return true, "" }

func built(directive string) func() (bool, string) {
	return func() (bool, string) {
		if !hasDirective(directive) {
			return false, directive + " is not in plugin.cfg"
		}
		return true, ""
	}
}

func (d *dataset) zoneFile(origin string) string {
	return filepath.Join(d.dir, benchdata.ZoneDir, "db."+strings.TrimSuffix(origin, "."))
}

// backends: file first, it is the baseline of every ratio.
var backends = []backend{
	{name: "file", ok: always, corefile: func(_ testing.TB, d *dataset) string {
		var sb strings.Builder
		for _, o := range d.origins {
			fmt.Fprintf(&sb, "%s:0 {\nfile %s\n}\n", o, d.zoneFile(o))
		}
		return sb.String()
	}},
	{name: "file-one-block", ok: always, corefile: func(_ testing.TB, d *dataset) string {
		var sb strings.Builder
		sb.WriteString(d.keys() + "{\n")
		for _, o := range d.origins {
			fmt.Fprintf(&sb, "file %s %s\n", d.zoneFile(o), o)
		}
		return sb.String() + "}\n"
	}},
	{name: "auto", ok: always, corefile: func(_ testing.TB, d *dataset) string {
		return fmt.Sprintf("%s{\nauto {\n directory %s\n}\n}\n", d.keys(), filepath.Join(d.dir, benchdata.ZoneDir))
	}},
	// sqlbackend on SQLite, seeded from the generator's PowerDNS-schema SQL by sqlbackend
	// itself (plugin/sqlbackend: driver, dsn, seed). Served under ".", as a DNS host runs
	// it: it serves whatever zones the database holds. MariaDB is measured by run.sh,
	// which has the database to hand.
	{name: "sqlbackend", ok: built("sqlbackend"), corefile: func(tb testing.TB, d *dataset) string {
		db := filepath.Join(d.dir, fmt.Sprintf("sqlbackend-%d.sqlite", time.Now().UnixNano()))
		return fmt.Sprintf(".:0 {\nsqlbackend {\n driver sqlite\n dsn %s\n seed %s\n}\n}\n", db, filepath.Join(d.dir, benchdata.SQLData))
	}},
}

// capturedChain takes the plugin chains benchcapture captured under label, failing the
// test when there are none.
func capturedChain(tb testing.TB, label string) router {
	tb.Helper()
	capturedMu.Lock()
	h := captured[label]
	delete(captured, label)
	capturedMu.Unlock()
	if len(h) == 0 {
		tb.Fatalf("%s: no plugin chain captured", label)
	}
	return h
}

// waitAnswered asks h for the SOA of zone until it answers it, failing the test after
// limit.
func waitAnswered(tb testing.TB, h plugin.Handler, zone string, limit time.Duration) {
	tb.Helper()
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeSOA)
	harness.Eventually(tb, limit, zone+" SOA answered", func() bool {
		rec := serve(h, m.Copy())
		return rec.Rcode == dns.RcodeSuccess && rec.Msg != nil && len(rec.Msg.Answer) == 1
	})
}

func hasDirective(name string) bool { return slices.Contains(dnsserver.Directives, name) }

// chain starts CoreDNS in-process with backend be on d and returns what routes a query to the
// right server block's plugin chain.
func chain(tb testing.TB, be backend, d *dataset) plugin.Handler {
	tb.Helper()
	label := fmt.Sprintf("%s-%p", be.name, d)
	cf := strings.ReplaceAll(be.corefile(tb, d), ":0 {\n", ":0 {\nbenchcapture "+label+"\n")
	harness.StartServer(tb, cf)
	h := capturedChain(tb, label)
	// A backend may load its zones after start-up (sqlbackend does): wait, at most 60 s,
	// until the last zone answers its SOA.
	waitAnswered(tb, h, d.origins[len(d.origins)-1], 60*time.Second)
	return h
}

// queries reads a dnsperf query file into messages.
func queries(tb testing.TB, d *dataset, mix string, limit int) []*dns.Msg {
	tb.Helper()
	text, err := os.ReadFile(filepath.Join(d.dir, benchdata.QueryDir, mix+".txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var msgs []*dns.Msg
	for l := range strings.Lines(string(text)) {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		m := new(dns.Msg)
		m.SetQuestion(f[0], dns.StringToType[f[1]])
		msgs = append(msgs, m)
		if limit > 0 && len(msgs) == limit {
			break
		}
	}
	return msgs
}

func serve(h plugin.Handler, m *dns.Msg) *dnstest.Recorder {
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	rc, _ := h.ServeDNS(context.Background(), rec, m)
	if rec.Msg == nil {
		// The handler left writing the answer to the server (an error rcode).
		rec.Rcode = rc
	}
	return rec
}

// TestBackendsAgree loads a small generated data set into every backend and checks that
// each answers exactly the file plugin's way on every query of every mix (rcode, flags and
// every record of every section): the generator's zones parse, and the benchmark compares
// backends that do the same work. A backend missing from this build fails the test: the
// comparison would otherwise shrink without anyone noticing.
func TestBackendsAgree(t *testing.T) {
	d := generate(t, benchdata.Options{Zones: 20, Seed: 3, Queries: true, SQL: true, RandomQ: 300, MixedQ: 600})
	var hs []plugin.Handler
	var names []string
	for _, be := range backends {
		if ok, why := be.ok(); !ok {
			t.Fatalf("%s unavailable: %s", be.name, why)
		}
		hs = append(hs, chain(t, be, d))
		names = append(names, be.name)
	}

	t.Logf("backends compared: %s", strings.Join(names, ", "))

	// Spot checks on the baseline.
	rec := serve(hs[0], queries(t, d, "plain-a", 1)[0])
	if rec.Msg == nil || rec.Rcode != dns.RcodeSuccess || len(rec.Msg.Answer) != 1 || !rec.Msg.Authoritative {
		t.Fatalf("file: www A: %v", rec.Msg)
	}
	m := new(dns.Msg)
	m.SetQuestion("x1.wild."+d.origins[0], dns.TypeA)
	if rec = serve(hs[0], m); rec.Msg == nil || len(rec.Msg.Answer) != 1 {
		t.Fatalf("file: wildcard: %v", rec.Msg)
	}
	m.SetQuestion("nope."+d.origins[0], dns.TypeA)
	if rec = serve(hs[0], m); rec.Rcode != dns.RcodeNameError {
		t.Fatalf("file: nonexistent name: rcode %d", rec.Rcode)
	}

	rcodes := map[int]int{}
	for _, mix := range []string{"hot", "mixed", "random", "plain-a"} {
		for _, q := range queries(t, d, mix, 0) {
			want := serve(hs[0], q.Copy())
			rcodes[want.Rcode]++
			for i := 1; i < len(hs); i++ {
				got := serve(hs[i], q.Copy())
				w := answerText(want)
				if names[i] == "sqlbackend" {
					w = answerText(asTheRFCsSay(want, q))
				}
				if g := answerText(got); g != w {
					t.Errorf("%s %s: %s answers\n%s\nfile answers (as the RFCs say, for sqlbackend)\n%s", mix, q.Question[0].String(), names[i], g, w)
				}
			}
		}
	}
	if rcodes[dns.RcodeSuccess] == 0 || rcodes[dns.RcodeNameError] == 0 || len(rcodes) != 2 {
		t.Errorf("rcodes over all mixes: %v; want NOERROR and NXDOMAIN only", rcodes)
	}
}

// answerText is all of a response a client sees but its id: rcode, flags and the records
// of each section, each section sorted (backends may order a set differently).
// asTheRFCsSay is file's answer rec to q as sqlbackend gives it where file departs from
// an RFC in these mixes (test/sqlbackend/deviations_test.go has the whole list, against
// the parity corpus): a negative answer's SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308 3),
// and a complete answer over q's buffer (512 octets here: no EDNS) without the authority
// section that made it too big, rather than truncated (RFC 2181 9).
func asTheRFCsSay(rec *dnstest.Recorder, q *dns.Msg) *dnstest.Recorder {
	if rec.Msg == nil {
		return rec
	}
	m := rec.Msg.Copy()
	if m.Rcode == dns.RcodeNameError || (m.Rcode == dns.RcodeSuccess && len(m.Answer) == 0) {
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok {
				soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
			}
		}
	}
	m.Compress = true // as the server sends it
	if m.Rcode == dns.RcodeSuccess && len(m.Answer) > 0 && q.IsEdns0() == nil && m.Len() > dns.MinMsgSize {
		m.Ns = nil
	}
	m.Compress = false
	out := *rec
	out.Msg = m
	return &out
}

func answerText(rec *dnstest.Recorder) string {
	m := rec.Msg
	if m == nil {
		return fmt.Sprintf("rcode %s, no message written", dns.RcodeToString[rec.Rcode])
	}
	section := func(rrs []dns.RR) string {
		lines := make([]string, len(rrs))
		for i, rr := range rrs {
			lines[i] = rr.String()
		}
		slices.Sort(lines)
		return strings.Join(lines, "\n  ")
	}
	return fmt.Sprintf("rcode %s aa=%t tc=%t rd=%t ra=%t ad=%t cd=%t\nanswer:\n  %s\nauthority:\n  %s\nadditional:\n  %s",
		dns.RcodeToString[m.Rcode], m.Authoritative, m.Truncated, m.RecursionDesired, m.RecursionAvailable,
		m.AuthenticatedData, m.CheckingDisabled, section(m.Answer), section(m.Ns), section(m.Extra))
}

// Benchmark data: 1,000 zones, generated once per test binary run.
var (
	benchOnce sync.Once
	benchData *dataset
	benchHs   []plugin.Handler
	benchNms  []string
)

// benchSetup generates the data and starts every backend once. It runs inside the first
// benchmark, whose testing.B owns the cleanups; later benchmarks reuse the servers.
func benchSetup(b *testing.B) {
	benchOnce.Do(func() {
		// Not b: its cleanups would run when the first sub-benchmark ends.
		tb := &keepAlive{B: b}
		benchData = generate(tb, benchdata.Options{Zones: 1000, Seed: 1, Queries: true, SQL: true, RandomQ: 50000, MixedQ: 50000})
		for _, be := range backends {
			if ok, why := be.ok(); !ok {
				b.Logf("%s skipped: %s", be.name, why)
				continue
			}
			benchHs = append(benchHs, chain(tb, be, benchData))
			benchNms = append(benchNms, be.name)
		}
	})
	if benchData == nil || len(benchHs) == 0 {
		b.Fatal("benchmark setup failed")
	}
}

// keepAlive is a testing.TB whose cleanups run when every test and benchmark is done
// (TestMain), not when the benchmark that set the servers up ends: the servers and data of
// the benchmarks are shared by all of them.
type keepAlive struct{ *testing.B }

var (
	lateMu       sync.Mutex
	lateCleanups []func()
)

func (k *keepAlive) Cleanup(f func()) {
	lateMu.Lock()
	lateCleanups = append(lateCleanups, f)
	lateMu.Unlock()
}

func TestMain(m *testing.M) {
	code := m.Run()
	lateMu.Lock()
	for i := len(lateCleanups) - 1; i >= 0; i-- {
		lateCleanups[i]()
	}
	lateMu.Unlock()
	os.Exit(code)
}

// BenchmarkCompare runs every mix on every backend, interleaved query by query, and reports
// each backend's ns per query and its QPS relative to file's.
func BenchmarkCompare(b *testing.B) {
	for _, mix := range []string{"hot", "mixed", "random"} {
		b.Run(mix, func(b *testing.B) {
			benchSetup(b)
			msgs := queries(b, benchData, mix, 0)
			spent := make([]time.Duration, len(benchHs))
			ctx := context.Background()
			w := &test.ResponseWriter{}
			i := 0
			for ; b.Loop(); i++ {
				q := msgs[i%len(msgs)]
				for j, h := range benchHs {
					m := q.Copy()
					rec := dnstest.NewRecorder(w)
					t0 := time.Now()
					h.ServeDNS(ctx, rec, m)
					spent[j] += time.Since(t0)
				}
			}
			n := float64(max(i, 1))
			for j, name := range benchNms {
				b.ReportMetric(float64(spent[j].Nanoseconds())/n, name+"-ns/q")
				if j > 0 && spent[j] > 0 {
					b.ReportMetric(float64(spent[0])/float64(spent[j]), name+"/file")
				}
			}
		})
	}
}

// Package answercache_test checks the answercache plugin end to end: sqlbackend on MariaDB
// with answercache above it, served by in-process CoreDNS. What issue 17 promises is shown
// here with real parts: answers from the cache are those the chain sends, and a change in
// SQL is served as fast with the cache as without it.
package answercache_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

const (
	// freshnessLimit is issue 17's promise (the same as sqlbackend's): a change is served
	// within a second, p99.
	freshnessLimit = time.Second
	// waitLimit bounds one wait for a change; a stale cache entry would be served for
	// max_age (1h), so a miss of this shows as a failed wait, never as a pass.
	waitLimit = freshnessLimit + 500*time.Millisecond
)

// newDB gives the test a MariaDB database of its own with PowerDNS's schema and
// testdata/zones.sql; sqlbackend adds its change log at start-up.
func newDB(t testing.TB) *harness.MariaDB {
	return harness.NewPowerDNSDatabase(t, filepath.Join("testdata", "zones.sql"))
}

// exec runs one statement on the test's own connection, as any SQL client would.
func exec(t testing.TB, m *harness.MariaDB, q string, args ...any) {
	t.Helper()
	if _, err := m.DB.Exec(q, args...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

// otherNode returns a DSN for the same database that differs in an option that does not
// matter, so a second server gets a source (pool and poller) of its own: a second node.
func otherNode(dsn string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&timeout=7s"
	}
	return dsn + "?timeout=7s"
}

// sqlBlock is the server block ".:0" with plugins (Corefile lines, e.g. "answercache")
// above sqlbackend on dsn.
func sqlBlock(dsn string, plugins ...string) string {
	var b strings.Builder
	b.WriteString(".:0 {\n")
	for _, p := range plugins {
		b.WriteString("\t" + p + "\n")
	}
	fmt.Fprintf(&b, "\tsqlbackend {\n\t\tdriver mysql\n\t\tdsn %s\n\t}\n}\n", dsn)
	return b.String()
}

// start serves corefile and waits until example.org is loaded: the NXDOMAIN of a name no
// test asks, so that the wait puts nothing a test counts on into the cache.
func start(t testing.TB, corefile string) *harness.Server {
	t.Helper()
	s := harness.StartServer(t, corefile)
	harness.WaitFor(t, s.UDP, "ready.example.org.", dns.TypeSRV, rcodeIs(dns.RcodeNameError), 10*time.Second)
	return s
}

// cacheVariants are the two ways a hit is answered: through CoreDNS's server loop, and by
// the cache's fast path from a socket of its own (bound to loopback, so it steers the
// server's SO_REUSEPORT group).
type cacheVariant struct {
	name  string
	lines []string
	fast  bool
}

var cacheVariants = []cacheVariant{
	{"server loop", []string{"answercache"}, false},
	{"fastpath", []string{"bind 127.0.0.1", "answercache {\n\t\tfastpath\n\t}"}, true},
}

// wantFastHits fails t if v has the fast path and it answered no hit since the fast path
// hit counter was before.
func wantFastHits(t *testing.T, v cacheVariant, before float64) {
	if v.fast && harness.MetricSum(t, "coredns_answercache_fastpath_hits_total") == before {
		t.Error("the fast path answered no hit")
	}
}

func hits(t testing.TB) float64 { return harness.MetricSum(t, "coredns_answercache_hits_total") }

func ask(t testing.TB, addr, name string, qt uint16) *dns.Msg {
	t.Helper()
	return harness.Exchange(t, addr, harness.Query(name, qt), "udp")
}

// askCached asks name qt at addr until an answer comes from the cache (the hits counter
// grows), at most 4 times: with admission the second sighting stores, the third hits. It
// returns the cached answer, which check must accept.
func askCached(t testing.TB, addr, name string, qt uint16, check func(*dns.Msg) bool) *dns.Msg {
	t.Helper()
	return askCachedQ(t, addr, harness.Query(name, qt), check)
}

// askCachedQ is askCached for the query q (EDNS, DO).
func askCachedQ(t testing.TB, addr string, q *dns.Msg, check func(*dns.Msg) bool) *dns.Msg {
	t.Helper()
	what := q.Question[0].Name + " " + dns.TypeToString[q.Question[0].Qtype]
	for i := 0; i < 4; i++ {
		before := hits(t)
		m := harness.Exchange(t, addr, q, "udp")
		if !check(m) {
			t.Fatalf("%s at %s: unexpected answer:\n%s", what, addr, m)
		}
		if hits(t) > before {
			return m
		}
	}
	t.Fatalf("%s at %s: asked 4 times, no answer came from the cache (coredns_answercache_hits_total did not grow)", what, addr)
	return nil
}

// hasA reports whether m answers NOERROR with exactly one A record, ip (after any CNAMEs,
// beside any RRSIGs).
func hasA(ip string) func(*dns.Msg) bool {
	return func(m *dns.Msg) bool {
		var as []string
		for _, rr := range m.Answer {
			if a, ok := rr.(*dns.A); ok {
				as = append(as, a.A.String())
			}
		}
		return m.Rcode == dns.RcodeSuccess && len(as) == 1 && as[0] == ip
	}
}

func rcodeIs(rc int) func(*dns.Msg) bool { return func(m *dns.Msg) bool { return m.Rcode == rc } }

// nodata reports whether m is NOERROR with an empty answer section.
func nodata(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess && len(m.Answer) == 0 }

// soaSerial reports whether m carries a SOA with serial, in the answer or authority section.
func soaSerial(serial uint32) func(*dns.Msg) bool {
	return func(m *dns.Msg) bool {
		for _, rr := range append(slices.Clone(m.Answer), m.Ns...) {
			if soa, ok := rr.(*dns.SOA); ok {
				return soa.Serial == serial
			}
		}
		return false
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

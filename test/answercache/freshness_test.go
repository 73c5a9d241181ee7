package answercache_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestFreshnessWithCache: a hot name is served from the cache, then changed in SQL 20
// times; each time the new answer must be served within the deadline, p99 at most a second
// (issue 17, item 2: the cache drops the answer before the change counts as applied, so the
// freshness of sqlbackend alone still holds). Before every change the old answer is shown to
// come from the cache, so what is timed is an invalidation, not a miss.
func TestFreshnessWithCache(t *testing.T) {
	for _, v := range cacheVariants {
		t.Run(v.name, func(t *testing.T) { freshnessWithCache(t, v) })
	}
}

func freshnessWithCache(t *testing.T, v cacheVariant) {
	m := newDB(t)
	s := start(t, sqlBlock(m.DSN, v.lines...))
	defer wantFastHits(t, v, harness.MetricSum(t, "coredns_answercache_fastpath_hits_total"))
	const changes = 20
	var lat []time.Duration
	ip := "192.0.2.80"
	for i := 0; i < changes; i++ {
		askCached(t, s.UDP, "www.example.org.", dns.TypeA, hasA(ip))
		// A random pause spreads the commits over sqlbackend's poll cycle, as real writes are.
		time.Sleep(time.Duration(rand.Int64N(int64(200 * time.Millisecond))))
		ip = fmt.Sprintf("10.0.%d.%d", i/256, i%256+1)
		exec(t, m, `UPDATE records SET content = ? WHERE name = 'www.example.org' AND type = 'A'`, ip)
		committed := time.Now()
		harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, hasA(ip), waitLimit)
		lat = append(lat, time.Since(committed))
	}
	p50, p99 := percentile(lat, 0.5), percentile(lat, 0.99)
	t.Logf("commit to new answer with the cache, %d changes: median %s, p99 %s", changes, p50.Round(time.Millisecond), p99.Round(time.Millisecond))
	if p99 > freshnessLimit {
		t.Errorf("p99 %s, want at most %s", p99, freshnessLimit)
	}
}

// TestFreshnessKinds: every kind of change reaches answers the cache held: a record
// deleted, a cached NXDOMAIN or NODATA that a new record ends, a new SOA serial (in the SOA
// answer and in a cached negative answer's authority section), a new zone under which a
// cached name of its parent zone now falls, and a new zone for a name that was refused.
func TestFreshnessKinds(t *testing.T) {
	m := newDB(t)
	s := start(t, sqlBlock(m.DSN, "answercache"))
	step := func(what, name string, qt uint16, before, after func(*dns.Msg) bool, sql ...string) {
		t.Helper()
		askCached(t, s.UDP, name, qt, before)
		start := time.Now()
		for _, q := range sql {
			exec(t, m, q)
		}
		harness.WaitFor(t, s.UDP, name, qt, after, waitLimit)
		t.Logf("%s: %s", what, time.Since(start).Round(time.Millisecond))
	}
	step("deleted record", "mail.example.org.", dns.TypeA, hasA("192.0.2.25"), rcodeIs(dns.RcodeNameError),
		`DELETE FROM records WHERE name = 'mail.example.org'`)
	step("cached NXDOMAIN, then the name added", "new.example.org.", dns.TypeA, rcodeIs(dns.RcodeNameError), hasA("192.0.2.123"),
		`INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (1, 'new.example.org', 'A', '192.0.2.123', 60, 0, 1)`)
	step("cached NODATA, then the type added", "www.example.org.", dns.TypeTXT, nodata, func(m *dns.Msg) bool { return m.Rcode == 0 && len(m.Answer) == 1 },
		`INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (1, 'www.example.org', 'TXT', '"new"', 60, 0, 1)`)
	step("a record through a cached CNAME chain", "chain.example.org.", dns.TypeA, hasA("192.0.2.80"), hasA("192.0.2.81"),
		`UPDATE records SET content = '192.0.2.81' WHERE name = 'www.example.org' AND type = 'A'`)
	step("a record through a cached chain into another zone", "ext.example.org.", dns.TypeA, hasA("198.51.100.80"), hasA("198.51.100.81"),
		`UPDATE records SET content = '198.51.100.81' WHERE name = 'www.example.net' AND type = 'A'`)
	soa := `UPDATE records SET content = 'ns1.example.org hostmaster.example.org %d 7200 3600 1209600 300' WHERE domain_id = 1 AND type = 'SOA'`
	step("new SOA serial", "example.org.", dns.TypeSOA, soaSerial(2026120601), soaSerial(2026120602), fmt.Sprintf(soa, 2026120602))
	step("new SOA serial in a cached NXDOMAIN", "nosuch.example.org.", dns.TypeA,
		func(m *dns.Msg) bool { return m.Rcode == dns.RcodeNameError && soaSerial(2026120602)(m) },
		func(m *dns.Msg) bool { return m.Rcode == dns.RcodeNameError && soaSerial(2026120603)(m) }, fmt.Sprintf(soa, 2026120603))
	// x.sub.example.org was example.org's NXDOMAIN; the new zone sub.example.org holds it.
	step("new child zone", "x.sub.example.org.", dns.TypeA, rcodeIs(dns.RcodeNameError), hasA("192.0.2.200"),
		`INSERT INTO domains (id, name, type) VALUES (3, 'sub.example.org', 'NATIVE')`,
		`INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (3, 'sub.example.org', 'SOA', 'ns1.example.org hostmaster.example.org 1 7200 3600 1209600 300', 60, 0, 1)`,
		`INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (3, 'sub.example.org', 'NS', 'ns1.example.org', 60, 0, 1)`,
		`INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (3, 'x.sub.example.org', 'A', '192.0.2.200', 60, 0, 1)`)
	// REFUSED is not an answer the cache keeps; the new zone must be served at once anyway.
	for i := 0; i < 3; i++ {
		harness.AssertResponse(t, ask(t, s.UDP, "www.example.com.", dns.TypeA), harness.Response{Rcode: dns.RcodeRefused})
	}
	start := time.Now()
	exec(t, m, `INSERT INTO domains (id, name, type) VALUES (4, 'example.com', 'NATIVE')`)
	exec(t, m, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (4, 'example.com', 'SOA', 'ns1.example.org hostmaster.example.org 1 7200 3600 1209600 300', 60, 0, 1)`)
	exec(t, m, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (4, 'www.example.com', 'A', '192.0.2.7', 60, 0, 1)`)
	harness.WaitFor(t, s.UDP, "www.example.com.", dns.TypeA, hasA("192.0.2.7"), waitLimit)
	t.Logf("new zone for a refused name: %s", time.Since(start).Round(time.Millisecond))
	step("deleted zone", "www.example.com.", dns.TypeA, hasA("192.0.2.7"), rcodeIs(dns.RcodeRefused),
		`DELETE FROM records WHERE domain_id = 4`, `DELETE FROM domains WHERE id = 4`)
}

// TestFreshnessTwoNodes: two servers on the same database, each with its own cache and its
// own poller; a change is served by both within the deadline, p99 at most a second.
func TestFreshnessTwoNodes(t *testing.T) {
	m := newDB(t)
	n1 := start(t, sqlBlock(m.DSN, "answercache"))
	n2 := start(t, sqlBlock(otherNode(m.DSN), "answercache"))
	const changes = 10
	var lat []time.Duration
	ip := "192.0.2.80"
	for i := 0; i < changes; i++ {
		for _, n := range []*harness.Server{n1, n2} {
			askCached(t, n.UDP, "www.example.org.", dns.TypeA, hasA(ip))
		}
		time.Sleep(time.Duration(rand.Int64N(int64(200 * time.Millisecond))))
		ip = fmt.Sprintf("10.1.%d.%d", i/256, i%256+1)
		exec(t, m, `UPDATE records SET content = ? WHERE name = 'www.example.org' AND type = 'A'`, ip)
		committed := time.Now()
		for _, n := range []*harness.Server{n1, n2} {
			harness.WaitFor(t, n.UDP, "www.example.org.", dns.TypeA, hasA(ip), waitLimit)
			lat = append(lat, time.Since(committed))
		}
	}
	p50, p99 := percentile(lat, 0.5), percentile(lat, 0.99)
	t.Logf("commit to new answer on both nodes, %d changes: median %s, p99 %s", changes, p50.Round(time.Millisecond), p99.Round(time.Millisecond))
	if p99 > freshnessLimit {
		t.Errorf("p99 %s, want at most %s", p99, freshnessLimit)
	}
}

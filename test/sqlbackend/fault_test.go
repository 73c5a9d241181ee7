package sqlbackend_test

import (
	"bytes"
	"fmt"
	golog "log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// behindProxy returns a copy of d whose Corefile DSN goes through p, with a
// connect timeout of a second.
func behindProxy(t testing.TB, d *testDB, p *proxy) *testDB {
	cp := *d
	if d.dialect == sqlstore.Postgres {
		u, err := url.Parse(d.dsn)
		if err != nil || u.Scheme == "" {
			t.Fatalf("want a postgres:// URL from the harness, got %q (%v)", d.dsn, err)
		}
		u.Host = p.Addr
		q := u.Query()
		q.Set("connect_timeout", "1")
		u.RawQuery = q.Encode()
		cp.dsn = u.String()
		return &cp
	}
	cfg, err := mysql.ParseDSN(d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = p.Addr
	cfg.Timeout = time.Second
	cp.dsn = cfg.FormatDSN()
	return &cp
}

// servers are the database servers the outage tests take away: SQLite, a
// file, cannot go away.
var servers = []struct {
	kind string
	new  func(testing.TB) *testDB
}{{"mariadb", newMariaDB}, {"postgres", newPostgres}}

// eachServer runs f as a subtest on a fresh database of each server.
func eachServer(t *testing.T, f func(*testing.T, *testDB)) {
	for _, srv := range servers {
		t.Run(srv.kind, func(t *testing.T) { f(t, srv.new(t)) })
	}
}

// captureLog tees the process log (CoreDNS's log plugin package writes to
// it) into a buffer the test can read.
func captureLog(t *testing.T) func() string {
	var mu sync.Mutex
	var buf bytes.Buffer
	golog.SetOutput(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		buf.Write(p)
		return os.Stderr.Write(p)
	}))
	t.Cleanup(func() { golog.SetOutput(os.Stderr) })
	return func() string { mu.Lock(); defer mu.Unlock(); return buf.String() }
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func httpStatus(t *testing.T, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func gauge(t *testing.T, name string) float64 {
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.Metric) > 0 {
			return mf.Metric[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

var wwwAnswer = harness.Response{
	Authoritative: true,
	Answer:        []string{"www.example.org. 3600 IN A 192.0.2.80"},
	Ns:            []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.net."},
}

var nosuchAnswer = harness.Response{
	Rcode: dns.RcodeNameError, Authoritative: true,
	// A negative answer's SOA TTL is min(TTL, MINIMUM): RFC 2308 3.
	Ns: []string{"example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300"},
}

// TestDatabaseDownAtStart: the server starts while the database server is
// unreachable, is not ready and answers SERVFAIL until its first load, then
// serves.
func TestDatabaseDownAtStart(t *testing.T) { eachServer(t, databaseDownAtStart) }

func databaseDownAtStart(t *testing.T, d *testDB) {
	setupZones(t, d)
	p := newProxy(t, d.addr, false)
	readyAddr := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	s := harness.StartServer(t, fmt.Sprintf(".:0 {\n\tready %s\n\t%s\n}", readyAddr, behindProxy(t, d, p).corefileBlock()))

	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("www.example.org.", dns.TypeA), "udp"),
		harness.Response{Rcode: dns.RcodeServerFailure})
	if code := httpStatus(t, "http://"+readyAddr+"/ready"); code != http.StatusServiceUnavailable {
		t.Errorf("ready says %d while the database is down, want 503", code)
	}

	p.Restore()
	harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, hasA("192.0.2.80"), 8*time.Second)
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("nosuch.example.org.", dns.TypeA), "udp"), nosuchAnswer)
	harness.Eventually(t, 5*time.Second, "ready after the first load", func() bool {
		return httpStatus(t, "http://"+readyAddr+"/ready") == http.StatusOK
	})
}

// TestDatabaseGoesAway: with the connection to the database server cut, every
// loaded zone keeps answering from memory (no SERVFAIL), the outage is logged
// once, and once the database is back the changes made meanwhile show.
func TestDatabaseGoesAway(t *testing.T) { eachServer(t, databaseGoesAway) }

func databaseGoesAway(t *testing.T, d *testDB) {
	logs := captureLog(t)
	setupZones(t, d)
	p := newProxy(t, d.addr, true)
	s := startSQL(t, behindProxy(t, d, p))

	p.Cut()
	// A change made by another client while this node cannot see the database.
	d.exec(t, `UPDATE records SET content = '192.0.2.81' WHERE name = 'www.example.org' AND content = '192.0.2.80'`)
	for i := 0; i < 20; i++ { // 2 s of outage: several failed polls and retries
		for _, net := range []string{"udp", "tcp"} {
			addr := s.UDP
			if net == "tcp" {
				addr = s.TCP
			}
			harness.AssertResponse(t, harness.Exchange(t, addr, harness.Query("www.example.org.", dns.TypeA), net), wwwAnswer)
			harness.AssertResponse(t, harness.Exchange(t, addr, harness.Query("nosuch.example.org.", dns.TypeA), net), nosuchAnswer)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if up := gauge(t, "coredns_sqlbackend_db_up"); up != 0 {
		t.Errorf("db_up = %v during the outage, want 0", up)
	}
	if st := gauge(t, "coredns_sqlbackend_stale_seconds"); st <= 0 {
		t.Errorf("stale_seconds = %v during the outage, want > 0", st)
	}
	if n := strings.Count(logs(), "Database unreachable"); n != 1 {
		t.Errorf("outage logged %d times, want once", n)
	}

	p.Restore()
	harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, hasA("192.0.2.81"), 8*time.Second)
	// The change is served during the round that logs the recovery, at its end.
	harness.Eventually(t, 2*time.Second, "recovery logged", func() bool { return strings.Contains(logs(), "Database is back") })
	if n := strings.Count(logs(), "Database is back"); n != 1 {
		t.Errorf("recovery logged %d times, want once", n)
	}
}

// TestRedisGoesAway: a slow-polling node gets changes within a second through
// Redis; with Redis cut it still gets them by polling alone, and the push
// works again once Redis is back.
func TestRedisGoesAway(t *testing.T) {
	d := newMariaDB(t)
	setupZones(t, d)
	r := harness.NewRedis(t)
	rp := newProxy(t, r.Addr, true)
	redisLine := "redis " + rp.Addr + " " + r.Key("changes")
	fast := startSQL(t, d, redisLine)
	d2 := *d
	d2.dsn = secondNode(d)
	slow := startSQL(t, &d2, redisLine, "poll 3s")

	n := 0
	change := func() string {
		n++
		ip := fmt.Sprintf("10.9.9.%d", n)
		d.exec(t, `UPDATE records SET content = ? WHERE name = 'www.example.org' AND type = 'A' AND content NOT LIKE '%.300'`, ip)
		return ip
	}
	// The slow node polls every 3 s: seeing each of five changes within a
	// second means the push worked (by chance alone: 1 in 243).
	time.Sleep(500 * time.Millisecond) // let both subscribe
	for i := 0; i < 5; i++ {
		ip := change()
		harness.WaitFor(t, fast.UDP, "www.example.org.", dns.TypeA, hasA(ip), time.Second)
		harness.WaitFor(t, slow.UDP, "www.example.org.", dns.TypeA, hasA(ip), time.Second)
	}

	rp.Cut()
	for i := 0; i < 2; i++ {
		ip := change()
		harness.WaitFor(t, fast.UDP, "www.example.org.", dns.TypeA, hasA(ip), time.Second)
		harness.WaitFor(t, slow.UDP, "www.example.org.", dns.TypeA, hasA(ip), 3500*time.Millisecond)
	}

	rp.Restore()
	time.Sleep(3 * time.Second) // resubscribe (1 s retry) after the next failed receive
	for i := 0; i < 3; i++ {
		ip := change()
		harness.WaitFor(t, slow.UDP, "www.example.org.", dns.TypeA, hasA(ip), time.Second)
	}
}

// TestCatchUpAfterPrunedLog: when the change log was pruned past a node's
// position during its outage, the node loads everything again instead of
// missing the changes that were pruned.
func TestCatchUpAfterPrunedLog(t *testing.T) { eachServer(t, catchUpAfterPrunedLog) }

func catchUpAfterPrunedLog(t *testing.T, d *testDB) {
	logs := captureLog(t)
	setupZones(t, d)
	p := newProxy(t, d.addr, true)
	s := startSQL(t, behindProxy(t, d, p))

	p.Cut()
	d.exec(t, `UPDATE records SET content = '192.0.2.91' WHERE name = 'www.example.org' AND content = '192.0.2.80'`)
	d.exec(t, `UPDATE records SET content = '203.0.113.91' WHERE name = 'www.example.net' AND type = 'A'`)
	// Another node pruned everything but the newest change.
	d.exec(t, `DELETE FROM hostdns_changes WHERE id < (SELECT m FROM (SELECT MAX(id) AS m FROM hostdns_changes) AS x)`)
	time.Sleep(300 * time.Millisecond) // the node notices the outage
	p.Restore()

	harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, hasA("192.0.2.91"), 8*time.Second)
	harness.WaitFor(t, s.UDP, "www.example.net.", dns.TypeA, hasA("203.0.113.91"), time.Second)
	if !strings.Contains(logs(), "pruned past our position") {
		t.Error("no full reload logged after the pruned log")
	}
}

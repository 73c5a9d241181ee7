package answercache_test

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// wwwAnswer is the sample zones' answer to www.example.org A.
var wwwAnswer = harness.Response{
	Authoritative: true,
	Answer:        []string{"www.example.org. 3600 IN A 192.0.2.80"},
	Ns:            []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.org."},
}

// TestExampleAnswercache starts corefile-examples/answercache as its comments say (its port,
// metrics port and SQLite file moved): the sample zones answer, the hits show on the metrics
// endpoint, and the change its comment suggests is served within a second.
func TestExampleAnswercache(t *testing.T) {
	root := harness.ModuleRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "corefile-examples", "answercache", "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "zones.db")
	metrics := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	cf := strings.NewReplacer(
		":1053", ":0",
		"127.0.0.1:9153", metrics,
		"corefile-examples/answercache/zones.db", db,
		"corefile-examples/sqlite/zones.sql", filepath.Join(root, "corefile-examples/sqlite/zones.sql"),
	).Replace(string(b))
	s := harness.StartServer(t, cf)
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 5*time.Second)

	// Admission stores the second answer, after it was sent: the third or fourth is a hit.
	before := scrape(t, metrics, "coredns_answercache_hits_total", "")
	for i := 0; i < 4 && scrape(t, metrics, "coredns_answercache_hits_total", "") == before; i++ {
		harness.AssertResponse(t, ask(t, s.UDP, "www.example.org.", dns.TypeA), wwwAnswer)
	}
	if got := scrape(t, metrics, "coredns_answercache_hits_total", "") - before; got < 1 {
		t.Errorf("coredns_answercache_hits_total did not grow on the metrics endpoint after 4 identical queries")
	}
	// The fast path starts with the first query the server answered; from then on the
	// hits are its own.
	harness.Eventually(t, 5*time.Second, "hits of the fast path", func() bool {
		fast := scrape(t, metrics, "coredns_answercache_fastpath_hits_total", "")
		harness.AssertResponse(t, ask(t, s.UDP, "WWW.example.org.", dns.TypeA), wwwAnswer)
		return scrape(t, metrics, "coredns_answercache_fastpath_active", "") == 1 &&
			scrape(t, metrics, "coredns_answercache_fastpath_hits_total", "") == fast+1
	})

	st, err := sqlstore.Open(sqlstore.SQLite, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB.ExecContext(context.Background(), `UPDATE records SET content='192.0.2.99' WHERE name='www.example.org' AND type='A'`); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, hasA("192.0.2.99"), waitLimit)
}

// scrape reads metric's value, summed over its series whose labels hold match ("" for all),
// from the metrics endpoint at addr.
func scrape(t *testing.T, addr, metric, match string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("metrics endpoint: %v", err)
	}
	defer resp.Body.Close()
	sum, found := 0.0, false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || (f[0] != metric && !strings.HasPrefix(f[0], metric+"{")) || !strings.Contains(f[0], match) {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			t.Fatalf("metrics endpoint: %s: %v", sc.Text(), err)
		}
		sum, found = sum+v, true
	}
	if !found {
		t.Logf("%s: no series on the metrics endpoint yet (0)", metric)
	}
	return sum
}

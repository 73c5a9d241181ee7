package sqlbackend_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// dbQueryCount sums coredns_sqlbackend_db_queries_total for kinds.
func dbQueryCount(t *testing.T, kinds ...string) float64 {
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "coredns_sqlbackend_db_queries_total" {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				for _, k := range kinds {
					if l.GetName() == "kind" && l.GetValue() == k {
						n += m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	return n
}

func questions(t *testing.T, d *testDB) int64 {
	var name string
	var n int64
	if err := d.DB.QueryRow(`SHOW GLOBAL STATUS LIKE 'Questions'`).Scan(&name, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDatabaseCost measures what one node asks of the database, idle and
// under change, and checks that DNS queries, a flood of random sub-domains
// included, never reach it. The numbers are logged for docs/sqlbackend.md;
// the checks are on counts, not on time.
func TestDatabaseCost(t *testing.T) {
	d := newMariaDB(t)
	setupZones(t, d)
	s := startSQL(t, d)
	all := []string{"poll", "zone", "load", "schema", "prune"}

	const window = 2 * time.Second
	q0, g0 := dbQueryCount(t, all...), questions(t, d)
	time.Sleep(window)
	q1, g1 := dbQueryCount(t, all...), questions(t, d)
	idle := (q1 - q0) / window.Seconds()
	t.Logf("idle: %.1f queries/s from this node (server-wide Questions: %.1f/s, other clients included)", idle, float64(g1-g0)/window.Seconds())
	if idle > 6 {
		t.Errorf("idle node sends %.1f queries/s, want at most 6 (one poll per 200 ms)", idle)
	}

	// 10 changes a second to one zone.
	q0, g0 = dbQueryCount(t, all...), questions(t, d)
	start := time.Now()
	for i := 0; time.Since(start) < window; i++ {
		d.exec(t, `UPDATE records SET content = ? WHERE name = 'www.example.org' AND type = 'A' AND content NOT LIKE '%.300'`, fmt.Sprintf("10.1.0.%d", i%250))
		time.Sleep(100 * time.Millisecond)
	}
	q1, g1 = dbQueryCount(t, all...), questions(t, d)
	t.Logf("10 changes/s: %.1f queries/s from this node (server-wide Questions: %.1f/s, the writer's included)", (q1-q0)/window.Seconds(), float64(g1-g0)/window.Seconds())

	// A random sub-domain flood, and hot names: answered from memory.
	time.Sleep(300 * time.Millisecond)
	z0 := dbQueryCount(t, "zone", "load")
	c := &dns.Client{Timeout: time.Second}
	for i := 0; i < 2000; i++ {
		name := fmt.Sprintf("r%x.example.org.", rand.Uint64())
		if i%2 == 0 {
			name = "www.example.org."
		}
		if _, _, err := c.Exchange(harness.Query(name, dns.TypeA), s.UDP); err != nil {
			t.Fatal(err)
		}
	}
	if z1 := dbQueryCount(t, "zone", "load"); z1 != z0 {
		t.Errorf("2000 DNS queries caused %v zone loads, want none", z1-z0)
	}
}

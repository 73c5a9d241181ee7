package sqlbackend_test

import (
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// dbConnections counts the connections MariaDB has open to the test's
// database, its own included.
func dbConnections(t *testing.T, d *testDB, name string) int {
	var n int
	if err := d.DB.QueryRow(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReloadLeaksNothing restarts the server (as the reload plugin does) with
// the same Corefile and with a changed one, and checks that goroutines and
// database connections do not grow, that answers never stop, and that the
// last shutdown closes every connection.
func TestReloadLeaksNothing(t *testing.T) {
	d := newMariaDB(t)
	var name string
	if err := d.DB.QueryRow(`SELECT DATABASE()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	d.DB.SetMaxOpenConns(1) // the test's own pool: one connection, always counted
	setupZones(t, d)

	corefile := func(extra string) caddy.CaddyfileInput {
		return caddy.CaddyfileInput{Contents: []byte(".:0 {\n\t" + d.corefileBlock(extra) + "\n}"), Filepath: "Corefile", ServerTypeName: "dns"}
	}
	s := startSQL(t, d)
	inst := s.Instance
	baseG, baseC := harness.SettledGoroutines(), dbConnections(t, d, name)

	for i, extra := range []string{"", "", "poll 300ms", "poll 300ms", "", "poll 250ms"} {
		next, err := inst.Restart(corefile(extra))
		if err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		inst = next
		addr := (&harness.Server{Instance: inst}).Servers()[0].UDP
		// With the same Corefile the zones stay loaded across the restart;
		// with a changed one they are loaded again.
		harness.WaitFor(t, addr, "www.example.org.", dns.TypeA, hasA("192.0.2.80"), 5*time.Second)
	}
	g, c := harness.GoroutinesDownTo(baseG+5, 10*time.Second), dbConnections(t, d, name)
	t.Logf("goroutines %d -> %d, connections %d -> %d after 6 restarts", baseG, g, baseC, c)
	if g > baseG+5 {
		t.Errorf("goroutines grew from %d to %d over 6 restarts", baseG, g)
	}
	if c > baseC+1 {
		t.Errorf("database connections grew from %d to %d over 6 restarts", baseC, c)
	}

	inst.Stop()
	inst.ShutdownCallbacks()
	harness.Eventually(t, 5*time.Second, "1 connection to the database after the last shutdown (the test's)", func() bool {
		c = dbConnections(t, d, name)
		return c == 1
	})
}

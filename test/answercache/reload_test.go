package answercache_test

import (
	"os"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// openFiles counts the process's open file descriptors (sockets included).
func openFiles(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestReloadLeaksNothing restarts a server with answercache (as the reload plugin does),
// with the same Corefile and with changed cache settings: goroutines (each instance's
// clock) and open files (listeners, database connections) must not grow, the cache must
// serve hits after every restart, and a change in SQL must still reach the answers.
func TestReloadLeaksNothing(t *testing.T) {
	m := newDB(t)
	noServer := harness.SettledGoroutines()
	s := start(t, sqlBlock(m.DSN, "answercache"))
	inst := s.Instance
	addr := s.UDP
	askCached(t, addr, "www.example.org.", dns.TypeA, hasA("192.0.2.80"))
	baseG, baseF := harness.SettledGoroutines(), openFiles(t)

	for i, cache := range []string{"answercache", "answercache", "answercache {\n\t\tsize 2MiB\n\t}", "answercache {\n\t\tsize 2MiB\n\t}", "answercache {\n\t\tmax_age 10m\n\t\tadmission off\n\t}", "answercache"} {
		next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(sqlBlock(m.DSN, cache)), Filepath: "Corefile", ServerTypeName: "dns"})
		if err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		inst = next
		s.Instance = inst
		addr = (&harness.Server{Instance: inst}).Servers()[0].UDP
		harness.WaitFor(t, addr, "www.example.org.", dns.TypeA, hasA("192.0.2.80"), 5*time.Second)
		askCached(t, addr, "www.example.org.", dns.TypeA, hasA("192.0.2.80"))
	}
	g, f := harness.GoroutinesDownTo(baseG+5, 10*time.Second), openFiles(t)
	t.Logf("goroutines %d -> %d, open files %d -> %d after 6 restarts", baseG, g, baseF, f)
	if g > baseG+5 {
		t.Errorf("goroutines grew from %d to %d over 6 restarts", baseG, g)
	}
	if f > baseF+3 {
		t.Errorf("open files grew from %d to %d over 6 restarts", baseF, f)
	}

	// The restarted cache still follows changes.
	exec(t, m, `UPDATE records SET content = '192.0.2.81' WHERE name = 'www.example.org' AND type = 'A'`)
	harness.WaitFor(t, addr, "www.example.org.", dns.TypeA, hasA("192.0.2.81"), waitLimit)

	// Stopped, the last instance leaves nothing running: back to the count before the start.
	s.Stop()
	if g := harness.GoroutinesDownTo(noServer+5, 10*time.Second); g > noServer+5 {
		t.Errorf("%d goroutines after the last shutdown, %d before the first start", g, noServer)
	}
}

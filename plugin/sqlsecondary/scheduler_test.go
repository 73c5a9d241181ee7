package sqlsecondary

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestWorkersCap: with workers 2 and five zones due at once, two transfers
// run and the others wait for them.
func TestWorkersCap(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	gate := make(chan struct{})
	started := make(chan struct{}, 10)
	for i := range 5 {
		zone := fmt.Sprintf("z%d.example.", i)
		p := newPrimary(t, zone, strings.ReplaceAll(zoneText(1, "192.0.2.1"), "example.org.", zone))
		p.mu.Lock()
		p.gate, p.started = gate, started
		p.mu.Unlock()
		addSlave(t, db, strings.TrimSuffix(zone, "."), p.addr)
	}
	s := startSecondary(t, path, "a", func(c *config) { c.workers = 2 })
	<-started
	<-started
	running := func() (n, due int) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		for _, z := range s.zones {
			if z.running {
				n++
			} else if !z.next.After(time.Now()) {
				due++
			}
		}
		return n, due
	}
	if n, due := running(); n != 2 || due != 3 || len(started) != 0 {
		t.Errorf("%d running, %d waiting, %d more transfers started: want 2, 3, 0", n, due, len(started))
	}
	close(gate)
	eventually(t, "every zone transferred", func() bool {
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM records WHERE type = 'SOA'`).Scan(&n)
		return n == 5
	})
}

// TestTimers: after a success the next check is at refresh, after a failure
// at retry, each within ±10 %; a zone another node transfers is looked at
// again after a lease; a NOTIFY during a check makes another right after.
func TestTimers(t *testing.T) {
	cfg := defaults()
	cfg.lease = 10 * time.Second
	s := newSecondary(cfg, nil)
	soa := &dns.SOA{Refresh: 1000, Retry: 100, Expire: 100000}
	z := &zone{id: 1, name: zoneName, soa: soa, running: true}
	s.zones[1], s.byName[zoneName] = z, z
	within := func(what string, d, want time.Duration) {
		t.Helper()
		if d < want*9/10-time.Second || d > want*11/10+time.Second {
			t.Errorf("%s: next check in %s, want %s ±10%%", what, d, want)
		}
	}
	for range 20 {
		s.active, z.running = 1, true
		s.finish(z, outcome{soa: soa})
		within("success", time.Until(z.next), 1000*time.Second)
		if z.failing {
			t.Fatal("failing after a success")
		}
		s.active, z.running = 1, true
		s.finish(z, outcome{err: errors.New("refused"), soa: soa})
		within("failure", time.Until(z.next), 100*time.Second)
		if !z.failing || z.state(time.Now()) != "retrying" {
			t.Fatalf("failure: failing %v, state %s", z.failing, z.state(time.Now()))
		}
		s.active, z.running = 1, true
		s.finish(z, outcome{err: errHeld, held: true, soa: soa})
		within("held", time.Until(z.next), 10*time.Second)
	}
	s.active, z.running = 1, true
	s.checkNow(1)
	if !z.again {
		t.Fatal("a NOTIFY during a check was not kept")
	}
	s.finish(z, outcome{soa: soa})
	if z.next.After(time.Now()) {
		t.Errorf("after a NOTIFY during a check the next is in %s", time.Until(z.next))
	}
	if s.active != 0 {
		t.Errorf("active %d", s.active)
	}
}

// TestReadyAfterFirstRead: not ready while the database cannot be read.
func TestReadyAfterFirstRead(t *testing.T) {
	before := testutil.ToFloat64(dbErrors)
	s := startSecondary(t, t.TempDir()+"/missing/dir/zones.db", "a", nil)
	eventually(t, "a failed read", func() bool { return testutil.ToFloat64(dbErrors) > before })
	if s.Ready() {
		t.Error("ready without the SLAVE rows read")
	}
	path := newDB(t)
	s2 := startSecondary(t, path, "b", nil)
	eventually(t, "ready", s2.Ready)
}

// TestFirstCheck: a new row is checked at once; a zone read at start-up
// with a copy is checked when its refresh comes, or soon, spread, when
// overdue.
func TestFirstCheck(t *testing.T) {
	now := time.Now()
	soa := &dns.SOA{Refresh: 3600, Retry: 600, Expire: 86400}
	if got := firstCheck(&zone{}, now); !got.Equal(now) {
		t.Errorf("new row: first check in %s", got.Sub(now))
	}
	if got := firstCheck(&zone{soa: soa}, now); !got.Equal(now) {
		t.Errorf("no last_check: first check in %s", got.Sub(now))
	}
	for range 50 {
		got := firstCheck(&zone{soa: soa, lastCheck: now.Add(-10 * time.Minute)}, now)
		if d := got.Sub(now); d < 50*time.Minute-6*time.Minute || d > 50*time.Minute+6*time.Minute {
			t.Fatalf("checked 10 min ago: next in %s, want 50 min ± 6", d)
		}
		got = firstCheck(&zone{soa: soa, lastCheck: now.Add(-5 * time.Hour)}, now)
		if d := got.Sub(now); d < 0 || d >= 30*time.Second {
			t.Fatalf("overdue: next in %s, want within 30s", d)
		}
	}
}

// TestRowChanges: a deleted row is forgotten (its names no longer looked
// at); a changed master is used from the next check.
func TestRowChanges(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	old := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	id := addSlave(t, db, "example.org", old.addr)
	s := startSecondary(t, path, "a", nil)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })

	moved := newPrimary(t, zoneName, zoneText(2, "192.0.2.2"))
	exec(t, db, `UPDATE domains SET master = ? WHERE id = ?`, moved.addr, id)
	eventually(t, "the new master read", func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.zones[id].master == moved.addr
	})
	s.checkNow(id)
	eventually(t, "serial 2 from the new master", func() bool { return storedSerial(t, db, zoneName, id) == 2 })

	exec(t, db, `DELETE FROM domains WHERE id = ?`, id)
	eventually(t, "the zone forgotten", func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		_, ok := s.zones[id]
		return !ok && len(*s.names.Load()) == 0
	})
}

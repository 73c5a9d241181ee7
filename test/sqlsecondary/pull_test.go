package sqlsecondary

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

const exampleZone = "example.org."

// TestNewSlaveServedByTwoNodes: a SLAVE row added to the MariaDB two nodes share is
// pulled from a BIND primary and served by both nodes, answer for answer as BIND serves
// it, written in PowerDNS form (names without the dot, the MX priority in prio, auth=1),
// with last_check set; exactly one transfer reached the primary.
func TestNewSlaveServedByTwoNodes(t *testing.T) {
	db := newMariaDB(t)
	primary := harness.StartPrimary(t, harness.PrimaryBIND,
		map[string]string{exampleZone: zoneText(exampleZone, 1, "3600 600 1209600", 20)}, harness.PrimaryOptions{})
	a, b := startNode(t, db, "node-a", 0), startNode(t, db, "node-b", 0)

	id := db.addSlave(t, exampleZone, primary.Addr)
	for _, n := range []*node{a, b} {
		waitSerial(t, n.addr, exampleZone, 1)
		assertSameAnswers(t, n.addr, primary.Addr, zoneQuestions(exampleZone))
	}
	harness.AssertResponse(t, harness.Exchange(t, a.addr, harness.Query("h0.example.org.", dns.TypeA), "tcp"), harness.Response{
		Authoritative: true,
		Answer:        []string{"h0.example.org. 300 IN A 198.51.0.1"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	})

	if n := db.records(t, id); n != 28 {
		t.Errorf("domain %d has %d rows, want the zone's 28", id, n)
	}
	if n := db.count(t, `SELECT COUNT(*) FROM records WHERE domain_id = ? AND name = 'example.org' AND type = 'MX' AND content = 'mail.example.org' AND prio = 10 AND auth = 1 AND disabled = 0`, id); n != 1 {
		t.Errorf("the MX is not stored in PowerDNS form (%d matching rows)", n)
	}
	if n := db.count(t, `SELECT COUNT(*) FROM domains WHERE id = ? AND last_check > 0`, id); n != 1 {
		t.Error("last_check not set after the transfer")
	}
	assertOneAtATime(t, primary, exampleZone)
}

// assertOneAtATime checks in BIND's log that no two transfers of zone overlapped: every
// "started" is followed by its "ended" before the next starts (the lease lets one node
// transfer at a time; a second node may transfer again after the first released it).
func assertOneAtATime(t *testing.T, p *harness.Primary, zone string) {
	t.Helper()
	open, n := false, 0
	for _, line := range strings.Split(p.Log(), "\n") {
		if !strings.Contains(line, "transfer of '"+strings.TrimSuffix(zone, ".")+"/IN'") {
			continue
		}
		switch {
		case strings.Contains(line, " started"):
			if open {
				t.Errorf("two transfers of %s at once:\n%s", zone, p.Log())
				return
			}
			open = true
			n++
		case strings.Contains(line, " ended"):
			open = false
		}
	}
	if n == 0 {
		t.Errorf("BIND logged no transfer of %s", zone)
	}
	t.Logf("%d transfers of %s, one at a time", n, zone)
}

// TestSQLiteNode: the same on an SQLite file, one node, with a master given with two
// addresses of which the first does not answer (PowerDNS tries the next).
func TestSQLiteNode(t *testing.T) {
	db := newSQLite(t)
	primary := harness.StartPrimary(t, harness.PrimaryBIND,
		map[string]string{exampleZone: zoneText(exampleZone, 7, "3600 600 1209600", 3)}, harness.PrimaryOptions{})
	dead := harness.FreePort(t)
	n := startNode(t, db, "solo", 0)
	db.addSlave(t, exampleZone, "127.0.0.1:"+itoa(dead)+","+primary.Addr)
	waitSerial(t, n.addr, exampleZone, 7)
	assertSameAnswers(t, n.addr, primary.Addr, zoneQuestions(exampleZone))
}

// TestPostgresNodes: two nodes on PostgreSQL pull a SLAVE zone from Knot and follow its
// NOTIFY by IXFR (booleans, the lease table and last_check in PostgreSQL's types).
func TestPostgresNodes(t *testing.T) {
	db := newPostgres(t)
	pa, pb := harness.FreePort(t), harness.FreePort(t)
	primary := harness.StartPrimary(t, harness.PrimaryKnot, map[string]string{exampleZone: zoneText(exampleZone, 1, "3600 600 1209600", 10)},
		harness.PrimaryOptions{NotifyTo: []string{"127.0.0.1:" + itoa(pa), "127.0.0.1:" + itoa(pb)}})
	a, b := startNode(t, db, "node-a", pa), startNode(t, db, "node-b", pb)
	id := db.addSlave(t, exampleZone, primary.Addr)
	for _, n := range []*node{a, b} {
		waitSerial(t, n.addr, exampleZone, 1)
	}
	primary.SetZone(t, exampleZone, zoneText(exampleZone, 2, "3600 600 1209600", 10))
	for _, n := range []*node{a, b} {
		waitSerial(t, n.addr, exampleZone, 2)
	}
	harness.Eventually(t, 5*time.Second, "Knot logging the IXFR", func() bool { return primary.OutgoingTransfers(exampleZone, "IXFR") >= 1 })
	if n := db.records(t, id); n != 18 {
		t.Errorf("domain %d has %d rows, want 18", id, n)
	}
	if n := db.count(t, `SELECT COUNT(*) FROM records WHERE domain_id = ? AND auth AND NOT disabled`, id); n != 18 {
		t.Errorf("%d rows with auth true and disabled false, want 18", n)
	}
}

package sqlbackend_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestSnapshotDuringOutage: with max_records, zones not in memory are read
// from the database on first use. With a snapshot, they are still answered
// while the database is down, from the local copy, including a change made
// to a zone that was never loaded; without one, they get SERVFAIL (the
// control, which shows the test can fail).
func TestSnapshotDuringOutage(t *testing.T) {
	for _, withSnapshot := range []bool{true, false} {
		t.Run(fmt.Sprintf("snapshot=%v", withSnapshot), func(t *testing.T) {
			eachServer(t, func(t *testing.T, d *testDB) { snapshotDuringOutage(t, d, withSnapshot) })
		})
	}
}

func snapshotDuringOutage(t *testing.T, d *testDB, withSnapshot bool) {
	const zones = 40 // 3 records each, 120 in all, in max_records 30
	loadSmallZones(t, d, zones)
	p := newProxy(t, d.addr, true)
	extra := []string{"max_records 30"}
	path := filepath.Join(t.TempDir(), "snapshot.db")
	if withSnapshot {
		extra = append(extra, "snapshot "+path)
	}
	s := harness.StartServer(t, ".:0 {\n\t"+behindProxy(t, d, p).corefileBlock(extra...)+"\n}")
	harness.WaitFor(t, s.UDP, "z1.test.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 10*time.Second)

	// A change to a zone nobody asked for: only the snapshot can carry it
	// through the outage.
	d.exec(t, `UPDATE records SET content = '192.0.2.81' WHERE name = 'www.z7.test' AND type = 'A'`)
	if withSnapshot {
		waitSnapshot(t, path, 7, "192.0.2.81", 10*time.Second)
		waitSnapshotZones(t, path, zones, 10*time.Second)
	} else {
		time.Sleep(time.Second) // the feed has seen the change, as above
	}
	loadsBefore := dbCounter(t, "coredns_sqlbackend_snapshot_zone_loads_total")

	p.Cut()
	servfail := 0
	for i := 1; i <= zones; i++ {
		ip := "192.0.2.80"
		if i == 7 {
			ip = "192.0.2.81"
		}
		resp := harness.Exchange(t, s.UDP, harness.Query(fmt.Sprintf("www.z%d.test.", i), dns.TypeA), "udp")
		if resp.Rcode == dns.RcodeServerFailure {
			servfail++
			continue
		}
		harness.AssertResponse(t, resp, harness.Response{Authoritative: true,
			Answer: []string{fmt.Sprintf("www.z%d.test. 3600 IN A %s", i, ip)},
			Ns:     []string{fmt.Sprintf("z%d.test. 3600 IN NS ns1.example.net.", i)},
		})
	}
	loads := dbCounter(t, "coredns_sqlbackend_snapshot_zone_loads_total") - loadsBefore
	if withSnapshot {
		if servfail != 0 {
			t.Errorf("%d of %d zones got SERVFAIL during the outage, want none", servfail, zones)
		}
		// At most 10 of the 40 fit in memory: the rest came from the copy.
		if loads < zones-10 {
			t.Errorf("%v zones loaded from the snapshot, want at least %d", loads, zones-10)
		}
	} else if servfail < zones-10 {
		t.Errorf("without a snapshot, %d zones got SERVFAIL during the outage, want at least %d (cold zones cannot be read)", servfail, zones-10)
	}

	p.Restore()
	d.exec(t, `UPDATE records SET content = '192.0.2.82' WHERE name = 'www.z8.test' AND type = 'A'`)
	harness.WaitFor(t, s.UDP, "www.z8.test.", dns.TypeA, hasA("192.0.2.82"), 8*time.Second)
}

// openSnapshot reads the snapshot file the server writes, as any SQLite client
// could.
func openSnapshot(t *testing.T, path string) *sqlstore.Store {
	st, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// waitSnapshot waits until the snapshot holds www A ip for domain id.
func waitSnapshot(t *testing.T, path string, id int64, ip string, limit time.Duration) {
	t.Helper()
	st := openSnapshot(t, path)
	harness.Eventually(t, limit, fmt.Sprintf("snapshot: domain %d with A %s", id, ip), func() bool {
		rows, _ := st.ZoneRows(context.Background(), id)
		for _, r := range rows {
			if r.Type == "A" && r.Content == ip {
				return true
			}
		}
		return false
	})
}

// waitSnapshotZones waits until the snapshot holds n domains.
func waitSnapshotZones(t *testing.T, path string, n int, limit time.Duration) {
	t.Helper()
	st := openSnapshot(t, path)
	harness.Eventually(t, limit, fmt.Sprintf("snapshot: %d domains", n), func() bool {
		doms, _ := st.Domains(context.Background())
		return len(doms) == n
	})
}

// TestSnapshotAtStart: a server that starts while the database is down
// serves the zones of the snapshot an earlier run left (and is ready), then
// catches up with the database once it answers. Without the snapshot it
// would answer SERVFAIL until then (TestDatabaseDownAtStart).
func TestSnapshotAtStart(t *testing.T) { eachServer(t, snapshotAtStart) }

func snapshotAtStart(t *testing.T, d *testDB) {
	const zones = 10
	loadSmallZones(t, d, zones)
	p := newProxy(t, d.addr, true)
	path := filepath.Join(t.TempDir(), "snapshot.db")
	block := behindProxy(t, d, p).corefileBlock("max_records 12", "snapshot "+path)
	first, err := harness.StartServerErr(".:0 {\n\t" + block + "\n}")
	if err != nil {
		t.Fatal(err)
	}
	waitSnapshotZones(t, path, zones, 10*time.Second)
	first.Stop()
	first.ShutdownCallbacks()

	p.Cut()
	d.exec(t, `UPDATE records SET content = '192.0.2.81' WHERE name = 'www.z3.test' AND type = 'A'`)
	readyAddr := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	s := harness.StartServer(t, fmt.Sprintf(".:0 {\n\tready %s\n\t%s\n}", readyAddr, block))
	for i := 1; i <= zones; i++ {
		resp := harness.WaitFor(t, s.UDP, fmt.Sprintf("www.z%d.test.", i), dns.TypeA, rcodeIs(dns.RcodeSuccess), 5*time.Second)
		harness.AssertResponse(t, resp, harness.Response{Authoritative: true,
			Answer: []string{fmt.Sprintf("www.z%d.test. 3600 IN A 192.0.2.80", i)}, // the copy's, from before the change
			Ns:     []string{fmt.Sprintf("z%d.test. 3600 IN NS ns1.example.net.", i)},
		})
	}
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("www.nozone.test.", dns.TypeA), "udp"), harness.Response{Rcode: dns.RcodeRefused})
	if code := httpStatus(t, "http://"+readyAddr+"/ready"); code != http.StatusOK {
		t.Errorf("ready says %d while serving the snapshot, want 200", code)
	}

	p.Restore()
	harness.WaitFor(t, s.UDP, "www.z3.test.", dns.TypeA, hasA("192.0.2.81"), 8*time.Second)
}

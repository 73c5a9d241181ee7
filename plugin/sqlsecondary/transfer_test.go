package sqlsecondary

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

const zoneName = "example.org."

// TestNewRowPulled: a SLAVE row inserted while the plugin runs is pulled at
// once by AXFR, and written the PowerDNS way.
func TestNewRowPulled(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	s := startSecondary(t, path, "a", nil)
	eventually(t, "the first read", s.Ready)

	id := addSlave(t, db, "example.org", p.addr)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })

	want := []string{
		"_sip._tcp.example.org SRV 10 20 5060 sip.example.org 300",
		"example.org MX 10 mail.example.org 3600",
		"example.org NS 0 ns1.example.org 3600",
		"example.org SOA 0 ns1.example.org hostmaster.example.org 1 3600 600 86400 300 3600",
		`example.org TXT 0 "v=spf1 -all" 300`,
		"ns1.example.org A 0 192.0.2.53 3600",
		"www.example.org A 0 192.0.2.1 300",
	}
	if got := storedRows(t, db, id); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var lastCheck int64
	if err := db.QueryRow(`SELECT last_check FROM domains WHERE id = ?`, id).Scan(&lastCheck); err != nil || lastCheck == 0 {
		t.Errorf("last_check %d, %v: want the time of the transfer", lastCheck, err)
	}
	if n := p.count(252); n != 1 {
		t.Errorf("%d AXFR requests, want 1", n)
	}
}

// TestIXFRApplied: a change at the primary and a check bring the
// difference by IXFR: the rows that did not change keep their ids.
func TestIXFRApplied(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	id := addSlave(t, db, "example.org", p.addr)
	s := startSecondary(t, path, "a", nil)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })
	var nsID int64
	if err := db.QueryRow(`SELECT id FROM records WHERE domain_id = ? AND type = 'NS'`, id).Scan(&nsID); err != nil {
		t.Fatal(err)
	}
	ixfrOK := testutil.ToFloat64(transfers.WithLabelValues(kindIXFR, "ok"))
	var lastChange int64
	db.QueryRow(`SELECT MAX(id) FROM hostdns_changes`).Scan(&lastChange)

	p.set(zoneText(2, "192.0.2.2"))
	s.checkNow(id)
	eventually(t, "serial 2 stored", func() bool { return storedSerial(t, db, zoneName, id) == 2 })

	if got := testutil.ToFloat64(transfers.WithLabelValues(kindIXFR, "ok")); got != ixfrOK+1 {
		t.Errorf("ixfr ok counted %v times, want 1", got-ixfrOK)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM records WHERE id = ?`, nsID).Scan(&n)
	if n != 1 {
		t.Error("the NS row was rewritten: not an IXFR applied")
	}
	rows := strings.Join(storedRows(t, db, id), "\n")
	if !strings.Contains(rows, "www.example.org A 0 192.0.2.2 300") || strings.Contains(rows, "192.0.2.1 ") {
		t.Errorf("rows after the IXFR:\n%s", rows)
	}
	// The domains row is left alone, so every node applies the changed
	// records instead of reloading the whole zone.
	var whole int
	db.QueryRow(`SELECT COUNT(*) FROM hostdns_changes WHERE id > ? AND record_id IS NULL`, lastChange).Scan(&whole)
	if whole != 0 {
		t.Errorf("the IXFR logged %d whole-zone changes", whole)
	}
	if c := len(storedRows(t, db, id)); c != 7 {
		t.Errorf("%d rows, want 7", c)
	}
}

// TestAXFRFallback: a primary that refuses IXFR is transferred by AXFR.
func TestAXFRFallback(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	id := addSlave(t, db, "example.org", p.addr)
	s := startSecondary(t, path, "a", nil)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })

	p.setMode("refuse-ixfr")
	p.set(zoneText(2, "192.0.2.2"))
	s.checkNow(id)
	eventually(t, "serial 2 stored", func() bool { return storedSerial(t, db, zoneName, id) == 2 })
	if p.count(251) != 1 || p.count(252) != 2 {
		t.Errorf("IXFR asked %d times, AXFR %d: want 1 and 2", p.count(251), p.count(252))
	}
	if rows := strings.Join(storedRows(t, db, id), "\n"); !strings.Contains(rows, "192.0.2.2") || len(storedRows(t, db, id)) != 7 {
		t.Errorf("rows after the AXFR:\n%s", rows)
	}
}

// TestTSIG: AXFR-MASTER-TSIG and tsigkeys sign the requests; a wrong secret
// gets nothing written.
func TestTSIG(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	p.withKey("xfr-key.", "c2VjcmV0c2VjcmV0c2VjcmV0")
	exec(t, db, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('xfr-key', 'hmac-sha256', 'c2VjcmV0c2VjcmV0c2VjcmV0')`)
	exec(t, db, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('bad-key', 'hmac-sha256', 'b3RoZXJvdGhlcm90aGVy')`)
	good := addSlave(t, db, "example.org", p.addr)
	exec(t, db, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (?, 'AXFR-MASTER-TSIG', 'xfr-key')`, good)

	q := newPrimary(t, "example.net.", strings.ReplaceAll(zoneText(1, "192.0.2.1"), "example.org.", "example.net."))
	q.withKey("xfr-key.", "c2VjcmV0c2VjcmV0c2VjcmV0")
	bad := addSlave(t, db, "example.net", q.addr)
	exec(t, db, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (?, 'AXFR-MASTER-TSIG', 'bad-key')`, bad)

	u := newPrimary(t, "example.com.", strings.ReplaceAll(zoneText(1, "192.0.2.1"), "example.org.", "example.com."))
	u.withKey("xfr-key.", "c2VjcmV0c2VjcmV0c2VjcmV0")
	u.setMode("unsigned-xfr")
	unsigned := addSlave(t, db, "example.com", u.addr)
	exec(t, db, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (?, 'AXFR-MASTER-TSIG', 'xfr-key')`, unsigned)
	tsigFailures := testutil.ToFloat64(transfers.WithLabelValues(kindAXFR, reasonTSIG))

	s := startSecondary(t, path, "a", nil)
	eventually(t, "the unsigned transfer refused", func() bool {
		_, failing, _ := zoneState(s, unsigned)
		return failing
	})
	if testutil.ToFloat64(transfers.WithLabelValues(kindAXFR, reasonTSIG)) == tsigFailures {
		_, _, msg := zoneState(s, unsigned)
		t.Errorf("unsigned transfer not counted as tsig: %s", msg)
	}
	if n := storedSerial(t, db, "example.com.", unsigned); n != 0 {
		t.Errorf("unsigned transfer stored at serial %d", n)
	}
	eventually(t, "the signed zone stored", func() bool { return storedSerial(t, db, zoneName, good) == 1 })
	eventually(t, "the zone with the wrong key failing", func() bool {
		_, failing, _ := zoneState(s, bad)
		return failing
	})
	if _, _, msg := zoneState(s, bad); !strings.Contains(msg, "authentication") {
		t.Errorf("wrong key failed with %q", msg)
	}
	if n := storedSerial(t, db, "example.net.", bad); n != 0 {
		t.Errorf("zone with the wrong key stored at serial %d", n)
	}
}

// TestLargeZone: a zone of 1,500 records (many messages, many INSERT
// batches) is written whole, each record once.
func TestLargeZone(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	text := zoneText(1, "192.0.2.1")
	for i := range 1500 {
		text += fmt.Sprintf("h%d 300 IN A 10.0.%d.%d\n", i, i/256, i%256)
	}
	p := newPrimary(t, zoneName, text)
	id := addSlave(t, db, "example.org", p.addr)
	startSecondary(t, path, "a", nil)
	eventually(t, "serial 1 stored", func() bool { return storedSerial(t, db, zoneName, id) == 1 })
	var n, distinct int
	db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT name) FROM records WHERE domain_id = ? AND type = 'A'`, id).Scan(&n, &distinct)
	if n != 1502 || distinct != 1502 {
		t.Errorf("%d A rows, %d names: want 1502", n, distinct)
	}
}

// TestMasters: a primary that does not answer is skipped for the next one
// of the master column; an unreadable master column fails the zone alone.
func TestMasters(t *testing.T) {
	path := newDB(t)
	db := openStore(t, path).DB
	p := newPrimary(t, zoneName, zoneText(1, "192.0.2.1"))
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close() // nothing listens there now
	id := addSlave(t, db, "example.org", deadAddr+", "+p.addr)
	bad := addSlave(t, db, "example.net", "ns1.example.net")
	config := testutil.ToFloat64(transfers.WithLabelValues(kindSOA, reasonConfig))
	s := startSecondary(t, path, "a", nil)
	eventually(t, "serial 1 stored from the second primary", func() bool { return storedSerial(t, db, zoneName, id) == 1 })
	eventually(t, "the bad row failing", func() bool {
		_, failing, _ := zoneState(s, bad)
		return failing
	})
	if _, _, msg := zoneState(s, bad); !strings.Contains(msg, "master column") {
		t.Errorf("bad row: %s", msg)
	}
	if testutil.ToFloat64(transfers.WithLabelValues(kindSOA, reasonConfig)) == config {
		t.Error("bad master column not counted")
	}
}

package sqlsecondary

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// TestTSIGFromDomainMetadata: BIND allows transfers only signed with a key. Without the
// zone's AXFR-MASTER-TSIG the node's AXFR is denied and nothing is served; with the key
// named in domainmetadata and its secret in tsigkeys (PowerDNS's rows, the name without
// the trailing dot), the master's NOTIFY brings a signed transfer and the zone is served.
func TestTSIGFromDomainMetadata(t *testing.T) {
	db := newMariaDB(t)
	key := harness.NewTSIGKey(t, "xfr.example.")
	primary := harness.StartPrimary(t, harness.PrimaryBIND,
		map[string]string{exampleZone: zoneText(exampleZone, 3, "3600 600 1209600", 5)}, harness.PrimaryOptions{Key: key})
	n := startNode(t, db, "node-a", 0)
	id := db.addSlave(t, exampleZone, primary.Addr)

	harness.Eventually(t, waitLimit, "BIND denying the unsigned transfer", func() bool {
		return strings.Contains(primary.Log(), "zone transfer 'example.org/AXFR/IN' denied")
	})
	r := harness.Exchange(t, n.addr, harness.Query("h1.example.org.", dns.TypeA), "udp")
	if r.Rcode == dns.RcodeSuccess {
		t.Errorf("served without a transfer: %v", r)
	}
	if got := db.records(t, id); got != 0 {
		t.Errorf("%d rows written from a denied transfer", got)
	}

	db.exec(t, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES (?, ?, ?)`, "xfr.example", key.Algorithm, key.Secret)
	db.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (?, 'AXFR-MASTER-TSIG', ?)`, id, "xfr.example")
	// The metadata is read with the SLAVE rows (poll); the NOTIFY may come first and find
	// the old settings, so it is repeated until the zone is there.
	harness.Eventually(t, waitLimit, "the signed transfer after NOTIFY", func() bool {
		notifyFrom(t, "127.0.0.1", n.addr, exampleZone)
		m := harness.Exchange(t, n.addr, harness.Query(exampleZone, dns.TypeSOA), "udp")
		return m.Rcode == dns.RcodeSuccess && len(m.Answer) == 1
	})
	assertSameAnswers(t, n.addr, primary.Addr, zoneQuestions(exampleZone))
	if !strings.Contains(primary.Log(), "AXFR started: TSIG xfr.example") {
		t.Errorf("BIND logged no signed AXFR:\n%s", primary.Log())
	}
}

// TestAutosecondary: with autosecondary on, a NOTIFY for a zone the database does not
// have, from an address in supermasters, creates its domains row (type SLAVE, master that
// address, the supermaster's account); the zone is then pulled and served. Without
// autosecondary the same NOTIFY creates nothing.
func TestAutosecondary(t *testing.T) {
	db := newMariaDB(t)
	primary := harness.StartPrimary(t, harness.PrimaryBIND,
		map[string]string{exampleZone: zoneText(exampleZone, 9, "3600 600 1209600", 5)}, harness.PrimaryOptions{})
	db.exec(t, `INSERT INTO supermasters (ip, nameserver, account) VALUES ('127.0.0.1', 'ns1.example.org', 'customer-42')`)

	off := startNode(t, db, "node-off", 0)
	r := notifyFrom(t, "127.0.0.1", off.addr, exampleZone)
	if r.Rcode == dns.RcodeSuccess {
		t.Errorf("NOTIFY for an unknown zone without autosecondary: %s, want it refused", dns.RcodeToString[r.Rcode])
	}
	if got := db.count(t, `SELECT COUNT(*) FROM domains`); got != 0 {
		t.Errorf("without autosecondary a NOTIFY created %d domains", got)
	}
	off.srv.Stop()

	// The supermaster answers on the test primary's port, not 53: `autosecondary PORT` says
	// so, for the NS check (ns1.example.org must be among the zone's NS, as PowerDNS requires)
	// and for the master column.
	_, port, _ := net.SplitHostPort(primary.Addr)
	on := startNode(t, db, "node-on", 0, "autosecondary "+port)
	r = notifyFrom(t, "127.0.0.1", on.addr, exampleZone)
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
		t.Errorf("NOTIFY from a supermaster: rcode %s aa %v, want NOERROR AA", dns.RcodeToString[r.Rcode], r.Authoritative)
	}
	var master, account, typ string
	harness.Eventually(t, waitLimit, "the domains row of the new zone", func() bool {
		return db.DB.QueryRow(`SELECT master, account, type FROM domains WHERE name = 'example.org'`).Scan(&master, &account, &typ) == nil
	})
	if typ != "SLAVE" || account != "customer-42" || master != primary.Addr {
		t.Errorf("created row: type %q master %q account %q; want SLAVE, %s, customer-42", typ, master, account, primary.Addr)
	}
	harness.Eventually(t, waitLimit, "the autosecondary zone served", func() bool {
		notifyFrom(t, "127.0.0.1", on.addr, exampleZone)
		m := harness.Exchange(t, on.addr, harness.Query(exampleZone, dns.TypeSOA), "udp")
		return m.Rcode == dns.RcodeSuccess && len(m.Answer) == 1
	})
	assertSameAnswers(t, on.addr, primary.Addr, zoneQuestions(exampleZone))
}

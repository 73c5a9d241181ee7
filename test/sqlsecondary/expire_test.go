package sqlsecondary

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// TestPrimaryGoneUntilExpire: with its primary stopped, a zone whose SOA says refresh 1,
// retry 1, expire 8 (above the plugin's 5 s floor between two checks of a zone: a zone
// whose expire is below it expires between checks even with its primary up) keeps being served from the database by both nodes while last_check
// is younger than expire, then both answer SERVFAIL for every name in it (RFC 1035
// 3.3.13), apex and NXDOMAIN names included, while the rows stay in the database; when the
// primary is back (same port) a transfer succeeds and the zone is served again.
func TestPrimaryGoneUntilExpire(t *testing.T) {
	db := newMariaDB(t)
	port := harness.FreePort(t)
	text := zoneText(exampleZone, 1, "1 1 8", 2)
	primary := harness.StartPrimary(t, harness.PrimaryBIND, map[string]string{exampleZone: text}, harness.PrimaryOptions{Port: port})
	a, b := startNode(t, db, "node-a", 0), startNode(t, db, "node-b", 0)
	id := db.addSlave(t, exampleZone, primary.Addr)
	for _, n := range []*node{a, b} {
		waitSerial(t, n.addr, exampleZone, 1)
	}
	// Refresh is 1 s (5 s, the plugin's floor): last_check moves on while the primary answers.
	first := db.count(t, `SELECT last_check FROM domains WHERE id = ?`, id)
	harness.Eventually(t, waitLimit, "last_check renewed by a SOA check", func() bool {
		return db.count(t, `SELECT last_check FROM domains WHERE id = ?`, id) > first
	})

	primary.Stop()
	stopped := time.Now()
	lastCheck := time.Unix(int64(db.count(t, `SELECT last_check FROM domains WHERE id = ?`, id)), 0)
	for _, n := range []*node{a, b} {
		r := harness.Exchange(t, n.addr, harness.Query("h1.example.org.", dns.TypeA), "udp")
		// Only meaningful while last_check + expire is well ahead (a second of margin:
		// last_check is in whole seconds).
		if time.Since(lastCheck) < 6*time.Second && (r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1) {
			t.Errorf("node %s stopped serving %s after the last check (%d), before expire: %v", n.name, time.Since(lastCheck), lastCheck.Unix(), r)
		}
	}
	for _, n := range []*node{a, b} {
		for _, q := range []struct {
			name string
			qt   uint16
		}{{"example.org.", dns.TypeSOA}, {"h1.example.org.", dns.TypeA}, {"nothere.example.org.", dns.TypeA}} {
			harness.WaitFor(t, n.addr, q.name, q.qt, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeServerFailure }, waitLimit)
		}
		r := harness.Exchange(t, n.addr, harness.Query("h1.example.org.", dns.TypeA), "udp")
		harness.AssertResponse(t, r, harness.Response{Rcode: dns.RcodeServerFailure})
	}
	if since := time.Since(lastCheck); since < 8*time.Second {
		t.Errorf("SERVFAIL %s after the last check, before the SOA expire (8 s)", since)
	}
	t.Logf("expired %s after the primary stopped", time.Since(stopped).Round(100*time.Millisecond))
	if n := db.records(t, id); n != 10 {
		t.Errorf("the expired zone's rows: %d, want its 10 kept", n)
	}

	harness.StartPrimary(t, harness.PrimaryBIND, map[string]string{exampleZone: text}, harness.PrimaryOptions{Port: port})
	for _, n := range []*node{a, b} {
		waitSerial(t, n.addr, exampleZone, 1)
	}
}

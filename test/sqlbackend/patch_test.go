package sqlbackend_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// fillerRows is how many rows each corpus zone is given on top of its own,
// so that it is big enough to have its changes patched in rather than rebuilt.
const fillerRows = 1200

// addFiller gives every corpus zone fillerRows A records
// (fill0.<zone> ... ), in one statement per zone.
func addFiller(t testing.TB, d *testDB) {
	t.Helper()
	for _, origin := range sortedKeys(corpusZones) {
		zone := strings.TrimSuffix(origin, ".")
		var values []string
		for i := range fillerRows {
			values = append(values, fmt.Sprintf("((SELECT id FROM domains WHERE name = '%s'), 'fill%d.%s', 'A', '198.51.100.%d', 300, 0, FALSE)", zone, i, zone, i%250+1))
		}
		// A subquery on domains inside INSERT INTO records is refused by
		// MySQL only when it reads records; this one reads domains.
		d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled) VALUES `+strings.Join(values, ", "))
	}
}

// patchNames are the names the changes below touch, asked of both servers
// on top of the corpus.
var patchNames = []string{
	"www.example.org.", "mail.example.org.", "new.example.org.", "web.example.org.", "a.newwild.example.org.",
	"newwild.example.org.", "a.wild.example.org.", "login.example.org.", "chain.example.org.", "ptr.example.org.",
	"moved.example.net.", "bad.example.org.", "newdeleg.example.org.", "host.newdeleg.example.org.",
	"b.ent3.example.org.", "ent3.example.org.", "fill7.example.org.", "fill8.example.org.", "example.org.",
	"example.net.", "sub.example.org.", "www.sub.example.org.", "fill9.sub.example.org.", "dup.example.org.",
}

// TestPatchedZoneParity: changes to big zones are patched in (the patch
// counter moves), and a server that patched answers every corpus query and
// every changed name exactly as a server that loaded the same database from
// scratch, after record changes, after apex changes (patched too) and after
// changes the patch leaves to a rebuild.
// "lazy" runs it with max_records, where zones in memory are patched as well.
func TestPatchedZoneParity(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { patchedZoneParity(t, newSQLite(t)) })
	eachServer(t, func(t *testing.T, d *testDB) { patchedZoneParity(t, d) })
	t.Run("lazy", func(t *testing.T) { patchedZoneParity(t, newSQLite(t), "max_records 5000") })
}

func patchedZoneParity(t *testing.T, d *testDB, extra ...string) {
	setupZones(t, d)
	addFiller(t, d)
	patched := startSQLWithTransfer(t, d, extra...)

	org := `(SELECT id FROM domains WHERE name = 'example.org')`
	net := `(SELECT id FROM domains WHERE name = 'example.net')`
	ins := func(domain, name, typ, content string) {
		d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled) VALUES (`+domain+`, ?, ?, ?, 300, 0, FALSE)`, name, typ, content)
	}
	before := dbCounter(t, "coredns_sqlbackend_zone_patches_total")

	// Round 1: record changes only.
	d.exec(t, `UPDATE records SET content = '192.0.2.99' WHERE name = 'www.example.org' AND content = '192.0.2.80'`)
	d.exec(t, `UPDATE records SET content = '192.0.2.30' WHERE content = '192.0.2.300'`) // a bad row mended
	d.exec(t, `DELETE FROM records WHERE name = 'mail.example.org'`)                     // the name goes
	ins(org, "new.example.org", "A", "192.0.2.77")
	ins(org, "web.example.org", "TXT", "\"next to a CNAME: served as the file plugin would\"")
	ins(org, "*.newwild.example.org", "A", "192.0.2.55")
	d.exec(t, `DELETE FROM records WHERE name LIKE '*.wild.example.org'`)
	d.exec(t, `UPDATE records SET disabled = TRUE WHERE name = 'login.example.org'`)
	d.exec(t, `UPDATE records SET domain_id = `+net+`, name = 'moved.example.net' WHERE name = 'ptr.example.org'`)
	ins(org, "bad.example.org", "A", "not-an-address")
	ins(org, "newdeleg.example.org", "NS", "ns.elsewhere.test")
	ins(org, "a.b.ent3.example.org", "A", "192.0.2.33")
	ins(org, "dup.example.org", "A", "192.0.2.44")
	ins(org, "dup.example.org", "A", "192.0.2.44") // two identical rows
	d.exec(t, `DELETE FROM records WHERE name = 'fill7.example.org'`)
	d.exec(t, `UPDATE records SET ttl = 60 WHERE name = 'fill9.sub.example.org'`)
	ins(org, "sentinel1.example.org", "A", "192.0.2.1")
	harness.WaitFor(t, patched.UDP, "sentinel1.example.org.", dns.TypeA, hasA("192.0.2.1"), 5*time.Second)
	if after := dbCounter(t, "coredns_sqlbackend_zone_patches_total"); after <= before {
		t.Errorf("zone_patches_total %v -> %v: the changes were rebuilt, not patched", before, after)
	}
	comparePatched(t, d, patched, "after record changes")

	// Round 2: one of the duplicate rows goes, and the apex changes as
	// PowerDNS's API changes it (the SOA row updated with a new serial, an
	// NS row added): patched as well.
	before = dbCounter(t, "coredns_sqlbackend_zone_patches_total")
	d.exec(t, `DELETE FROM records WHERE id = (SELECT id FROM (SELECT MIN(id) AS id FROM records WHERE name = 'dup.example.org') AS first)`)
	ins(org, "example.org", "NS", "ns3.example.org")
	d.exec(t, `UPDATE records SET content = 'ns1.example.org hostmaster.example.org 2026112199 7200 3600 1209600 300' WHERE name = 'example.org' AND type = 'SOA'`)
	harness.WaitFor(t, patched.UDP, "example.org.", dns.TypeSOA, func(m *dns.Msg) bool {
		return len(m.Answer) == 1 && m.Answer[0].(*dns.SOA).Serial == 2026112199
	}, 5*time.Second)
	// www has a disabled A row beside its enabled ones (setupZones): both
	// change, only the enabled one is served.
	d.exec(t, `UPDATE records SET content = '192.0.2.98' WHERE name = 'www.example.org' AND content IN ('192.0.2.99', '192.0.2.200')`)
	d.exec(t, `DELETE FROM records WHERE content = '192.0.2.30'`)
	harness.WaitFor(t, patched.UDP, "www.example.org.", dns.TypeA, hasA("192.0.2.98"), 5*time.Second)
	if after := dbCounter(t, "coredns_sqlbackend_zone_patches_total"); after <= before {
		t.Errorf("zone_patches_total %v -> %v: the apex changes were rebuilt, not patched", before, after)
	}
	comparePatched(t, d, patched, "after apex changes")

	// Round 3: what a patch leaves to a rebuild. A second SOA row (which of
	// the two wins is the rebuild's rule), then the zone's SOA disabled, which
	// takes sub.example.org away, and enabled again.
	ins(org, "example.org", "SOA", "ns2.example.org hostmaster.example.org 2026112200 7200 3600 1209600 300")
	d.exec(t, `UPDATE records SET disabled = TRUE WHERE name = 'sub.example.org' AND type = 'SOA'`)
	ins(org, "sentinel3.example.org", "A", "192.0.2.3")
	harness.WaitFor(t, patched.UDP, "sentinel3.example.org.", dns.TypeA, hasA("192.0.2.3"), 5*time.Second)
	comparePatched(t, d, patched, "after a second SOA and a disabled zone")
	d.exec(t, `UPDATE records SET disabled = FALSE WHERE name = 'sub.example.org' AND type = 'SOA'`)
	d.exec(t, `UPDATE records SET content = '192.0.2.97' WHERE name = 'www.example.org' AND content = '192.0.2.98'`)
	harness.WaitFor(t, patched.UDP, "www.example.org.", dns.TypeA, hasA("192.0.2.97"), 5*time.Second)
	harness.WaitFor(t, patched.UDP, "sub.example.org.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 5*time.Second)
	comparePatched(t, d, patched, "after the zone is back")
}

var freshServers int

// comparePatched starts a server that loads d from scratch and asks both the
// corpus and patchNames: every answer must be the same.
func comparePatched(t *testing.T, d *testDB, patched *harness.Server, when string) {
	t.Helper()
	// Servers with the same settings share one source; a poll interval of
	// its own makes this one load the database itself.
	freshServers++
	fresh := startSQLWithTransfer(t, d, fmt.Sprintf("poll %dms", 100+freshServers))
	var cases []corpusCase
	cases = append(cases, buildCorpus()...)
	for _, n := range patchNames {
		for _, qt := range []uint16{dns.TypeA, dns.TypeTXT, dns.TypeNS, dns.TypeMX, dns.TypeSOA, dns.TypeANY} {
			cases = append(cases, corpusCase{name: n, qtype: qt, net: "udp", rcode: -1})
		}
	}
	differ := 0
	for _, c := range cases {
		addr := func(s *harness.Server) string {
			if c.net == "tcp" {
				return s.TCP
			}
			return s.UDP
		}
		want := harness.Exchange(t, addr(fresh), query(c), c.net)
		got := harness.Exchange(t, addr(patched), query(c), c.net)
		if w, g := normalize(want), normalize(got); w != g {
			differ++
			t.Errorf("%s: %s: patched server differs from a fresh load\nfresh:\n%s\npatched:\n%s", when, c, w, g)
		}
	}
	t.Logf("%s: %d queries compared, %d differ", when, len(cases), differ)

	// Transfers walk the zone tree rather than search it.
	for _, zone := range sortedKeys(corpusZones) {
		w, g := axfrSet(t, fresh, zone), axfrSet(t, patched, zone)
		if strings.Count(w, "\n") < 3 && !strings.HasPrefix(w, "error") {
			t.Errorf("%s: AXFR of %s has almost nothing: %s", when, zone, w)
		}
		if w != g {
			t.Errorf("%s: AXFR of %s from the patched server differs from a fresh load\nfresh:\n%s\npatched:\n%s", when, zone, w, g)
		}
	}
}

// startSQLWithTransfer is startSQL with AXFR allowed to anyone.
func startSQLWithTransfer(t testing.TB, d *testDB, extra ...string) *harness.Server {
	return startSQLAfter(t, "transfer {\n\t\tto *\n\t}\n\t", d, extra...)
}

// axfrSet transfers zone and prints its records sorted, the SOA that ends the
// transfer left out, or the error: a zone no longer served is refused by both.
func axfrSet(t *testing.T, s *harness.Server, zone string) string {
	t.Helper()
	m := new(dns.Msg)
	m.SetAxfr(zone)
	tr := &dns.Transfer{DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second}
	envs, err := tr.In(m, s.TCP)
	if err != nil {
		t.Fatalf("AXFR %s: %v", zone, err)
	}
	var lines []string
	for env := range envs {
		if env.Error != nil {
			lines = append(lines, "error: "+strings.Split(env.Error.Error(), " (")[0])
			continue
		}
		for _, rr := range env.RR {
			lines = append(lines, rr.String())
		}
	}
	sort.Strings(lines)
	return strings.Join(dedupSOA(lines), "\n")
}

// dedupSOA drops one of the two identical SOA lines a transfer begins and
// ends with.
func dedupSOA(lines []string) []string {
	for i := 1; i < len(lines); i++ {
		if lines[i] == lines[i-1] && strings.Contains(lines[i], "\tSOA\t") {
			return append(lines[:i], lines[i+1:]...)
		}
	}
	return lines
}

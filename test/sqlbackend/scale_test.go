package sqlbackend_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// generatorSQL fills an empty PowerDNS database (MariaDB) with N zones named
// zone1.test ... zoneN.test, ten records each, with plain SQL (seq_1_to_N is
// MariaDB's built-in Sequence engine): the same
// statements docs/sqlbackend-performance.md gives for loading benchmark data.
const generatorSQL = `
INSERT INTO domains (id, name, type)
  SELECT seq, CONCAT('zone', seq, '.test'), 'NATIVE' FROM seq_1_to_@@N@@;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, name, 'SOA', CONCAT('ns1.', name, ' hostmaster.', name, ' 1 7200 3600 1209600 300'), 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, name, 'NS', CONCAT('ns1.', name), 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, name, 'NS', 'ns2.example.net', 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, name, 'MX', CONCAT('mail.', name), 3600, 10, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, name, 'TXT', '"v=spf1 mx -all"', 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, CONCAT('ns1.', name), 'A', CONCAT('10.', id DIV 65536 % 256, '.', id DIV 256 % 256, '.', id % 256), 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, CONCAT('mail.', name), 'A', '192.0.2.25', 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, CONCAT('www.', name), 'A', '192.0.2.80', 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, CONCAT('www.', name), 'AAAA', '2001:db8::80', 3600, 0, 0, 1 FROM domains;
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
  SELECT id, CONCAT('*.', name), 'A', '192.0.2.99', 3600, 0, 0, 1 FROM domains;
`

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestScale loads HOSTDNS_SCALE_ZONES zones (ten records each) and reports
// start-up time and memory. It is skipped unless that variable is set:
//
//	HOSTDNS_SCALE_ZONES=100000 go test ./test/sqlbackend -run TestScale -v -timeout 30m
//
// HOSTDNS_SCALE_MAX_RECORDS=N adds "max_records N" (lazy loading).
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HOSTDNS_SCALE_ZONES"))
	if n <= 0 {
		t.Skip("set HOSTDNS_SCALE_ZONES to run")
	}
	d := newMariaDB(t)
	start := time.Now()
	for _, stmt := range strings.Split(strings.ReplaceAll(generatorSQL, "@@N@@", strconv.Itoa(n)), ";\n") {
		if strings.TrimSpace(stmt) != "" {
			d.exec(t, stmt)
		}
	}
	t.Logf("generated %d zones, %d records in %s", n, 10*n, time.Since(start).Round(time.Millisecond))

	before := heap()
	start = time.Now()
	var extra []string
	if m := os.Getenv("HOSTDNS_SCALE_MAX_RECORDS"); m != "" {
		extra = append(extra, "max_records "+m)
	}
	s := harness.StartServer(t, ".:0 {\n\t"+d.corefileBlock(extra...)+"\n}")
	harness.WaitFor(t, s.UDP, "zone1.test.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 10*time.Minute)
	elapsed := time.Since(start)
	after := heap()
	harness.WaitFor(t, s.UDP, fmt.Sprintf("www.zone%d.test.", n), dns.TypeA, hasA("192.0.2.80"), time.Second)
	t.Logf("start-up with %d zones / %d records: %s to first answer; heap %d MiB (%d bytes per record)",
		n, 10*n, elapsed.Round(time.Millisecond), (after-before)>>20, (after-before)/uint64(10*n))

	// One change among them still shows fast.
	d.exec(t, fmt.Sprintf(`UPDATE records SET content = '192.0.2.81' WHERE name = 'www.zone%d.test' AND type = 'A'`, n/2))
	c0 := time.Now()
	harness.WaitFor(t, s.UDP, fmt.Sprintf("www.zone%d.test.", n/2), dns.TypeA, hasA("192.0.2.81"), 2*time.Second)
	t.Logf("one change among %d zones: %s", n, time.Since(c0).Round(time.Millisecond))
}

// TestFreshnessBigZone times commit to answer for changes in one zone of
// HOSTDNS_BIG_ZONE records (a host with an A record each, on MariaDB), the
// case a rebuild of the zone at every change made slow: a changed, an added
// and a deleted record, each with the SOA serial bumped in the same
// transaction as PowerDNS's API does, all patched into the zone. Skipped
// unless the variable is set:
//
//	HOSTDNS_BIG_ZONE=200000 go test ./test/sqlbackend -run TestFreshnessBigZone -v
func TestFreshnessBigZone(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HOSTDNS_BIG_ZONE"))
	if n <= 0 {
		t.Skip("set HOSTDNS_BIG_ZONE to run")
	}
	d := newMariaDB(t)
	d.exec(t, `INSERT INTO domains (id, name, type) VALUES (1, 'big.test', 'NATIVE')`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
		(1, 'big.test', 'SOA', 'ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300', 3600, 0, 0, 1),
		(1, 'big.test', 'NS', 'ns1.example.net', 3600, 0, 0, 1)`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth)
		SELECT 1, CONCAT('h', seq, '.big.test'), 'A', CONCAT('10.', seq DIV 65536 % 256, '.', seq DIV 256 % 256, '.', seq % 256), 300, 0, 0, 1
		FROM seq_1_to_`+strconv.Itoa(n-2))
	s := harness.StartServer(t, ".:0 {\n\t"+d.corefileBlock()+"\n}")
	harness.WaitFor(t, s.UDP, "big.test.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 5*time.Minute)
	patchesBefore := dbCounter(t, "coredns_sqlbackend_zone_patches_total")

	serial := 1
	timed := func(lags *[]time.Duration, i int, stmt string, args []any, name string, ok func(*dns.Msg) bool) {
		t.Helper()
		serial++
		tx, err := d.DB.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(stmt, args...); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE records SET content = ? WHERE name = 'big.test' AND type = 'SOA'`,
			fmt.Sprintf("ns1.example.net hostmaster.example.net %d 7200 3600 1209600 300", serial)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, s.UDP, name, dns.TypeA, ok, 10*time.Second)
		*lags = append(*lags, time.Since(start))
		time.Sleep(time.Duration(i%4) * 70 * time.Millisecond) // land at different points of the poll cycle
	}
	kinds := []struct {
		what string
		lags []time.Duration
	}{{what: "changed"}, {what: "added"}, {what: "deleted"}}
	for i := 1; i <= 20; i++ {
		ip := fmt.Sprintf("192.0.2.%d", i)
		timed(&kinds[0].lags, i, `UPDATE records SET content = ? WHERE name = 'h10.big.test' AND type = 'A'`, []any{ip}, "h10.big.test.", hasA(ip))
		added := fmt.Sprintf("new%d.big.test", i)
		timed(&kinds[1].lags, i, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, ?, 'A', ?, 300, 0, 0, 1)`, []any{added, ip}, added+".", hasA(ip))
		gone := fmt.Sprintf("h%d.big.test", 100+i)
		timed(&kinds[2].lags, i, `DELETE FROM records WHERE name = ?`, []any{gone}, gone+".", rcodeIs(dns.RcodeNameError))
	}
	var all []time.Duration
	for _, k := range kinds {
		all = append(all, k.lags...)
		t.Logf("zone of %d records, commit to answer, %s record with SOA bump, %d changes: p50 %s, p99 %s, max %s", n, k.what, len(k.lags),
			percentile(k.lags, 0.5).Round(time.Millisecond), percentile(k.lags, 0.99).Round(time.Millisecond), percentile(k.lags, 1).Round(time.Millisecond))
	}
	t.Logf("zone of %d records, all %d changes: p50 %s, p99 %s, max %s", n, len(all),
		percentile(all, 0.5).Round(time.Millisecond), percentile(all, 0.99).Round(time.Millisecond), percentile(all, 1).Round(time.Millisecond))
	if patched := dbCounter(t, "coredns_sqlbackend_zone_patches_total") - patchesBefore; patched < float64(len(all)) {
		t.Errorf("%v of %d changes patched: the rest rebuilt the zone", patched, len(all))
	}
}

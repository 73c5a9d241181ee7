package interop

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

// The secondaries tests start hostdns (the built binary) serving zones from SQLite with the
// stock transfer plugin as the primary of real secondaries, BIND, NSD, Knot and CoreDNS's
// secondary plugin, and check that each holds and serves the zone as the primary does and
// follows a SQL change.

const feedZone = "example.com."

var feedZoneText = `$ORIGIN example.com.
@	3600	IN	SOA	ns1.example.com. hostmaster.example.com. 2026120601 3600 600 1209600 300
@	3600	IN	NS	ns1.example.com.
@	3600	IN	NS	ns2.example.net.
@	3600	IN	MX	10 mail.example.com.
@	300	IN	TXT	"v=spf1 mx -all"
@	3600	IN	CAA	0 issue "letsencrypt.org"
ns1	3600	IN	A	192.0.2.53
mail	3600	IN	A	192.0.2.25
www	600	IN	A	192.0.2.80
www	600	IN	A	192.0.2.81
www	600	IN	AAAA	2001:db8::80
web	3600	IN	CNAME	www.example.com.
_imaps._tcp	3600	IN	SRV	0 1 993 mail.example.com.
*.users	3600	IN	A	192.0.2.90
long	3600	IN	TXT	"` + strings.Repeat("x", 255) + `" "` + strings.Repeat("y", 45) + `"
`

// feedDB is the primary's SQLite database.
type feedDB struct {
	path  string
	store *sqlstore.Store
	next  int // next domain id
}

// newFeedDB creates an SQLite file in the PowerDNS schema holding zones (origin to
// zone-file text), one domain id each in order.
func newFeedDB(t *testing.T, zones ...[2]string) *feedDB {
	t.Helper()
	var sql strings.Builder
	for i, z := range zones {
		writeZoneRows(t, &sql, i+1, z[0], z[1])
	}
	dir := t.TempDir()
	seed := harness.WriteFile(t, dir, "seed.sql", sql.String())
	path := filepath.Join(dir, "zones.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, seed); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &feedDB{path: path, store: s, next: len(zones) + 1}
}

// writeZoneRows writes the INSERTs of one zone as PowerDNS's tools store it.
func writeZoneRows(t *testing.T, b *strings.Builder, id int, origin, text string) {
	t.Helper()
	fmt.Fprintf(b, "INSERT INTO domains (id, name, type) VALUES (%d, '%s', 'NATIVE');\n", id, harness.NoDot(origin))
	zp := dns.NewZoneParser(strings.NewReader(text), dns.Fqdn(origin), "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name, typ, content, prio := harness.PowerDNSRow(rr)
		fmt.Fprintf(b, "INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (%d, '%s', '%s', '%s', %d, %d, 0, 1);\n",
			id, name, typ, strings.ReplaceAll(content, "'", "''"), rr.Header().Ttl, prio)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
}

// exec runs statements in one transaction and returns when it committed.
func (d *feedDB) exec(t *testing.T, stmts ...string) time.Time {
	t.Helper()
	tx, err := d.store.DB.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			tx.Rollback()
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// addZone inserts a new zone, committed at the returned time.
func (d *feedDB) addZone(t *testing.T, origin, text string) time.Time {
	t.Helper()
	var b strings.Builder
	writeZoneRows(t, &b, d.next, origin, text)
	d.next++
	var stmts []string
	for _, s := range strings.Split(strings.TrimSpace(b.String()), ";\n") {
		stmts = append(stmts, strings.TrimSuffix(s, ";"))
	}
	return d.exec(t, stmts...)
}

// primary is hostdns serving every zone of the database on 127.0.0.1:port.
type primary struct {
	addr string
	proc *harness.Process
}

// startPrimary runs the coredns binary with sqlbackend on db and the stock transfer
// plugin allowing, and notifying, the addresses in to; with key, the stock tsig plugin
// holds the key and requires it for AXFR and IXFR.
func startPrimary(t *testing.T, db *feedDB, to []string, key *harness.TSIGKey, zones ...string) *primary {
	t.Helper()
	port := harness.FreePort(t)
	var tsig string
	if key != nil {
		tsig = fmt.Sprintf("\ttsig {\n\t\tsecret %s %s\n\t\trequire AXFR IXFR\n\t}\n", key.Name, key.Secret)
	}
	corefile := fmt.Sprintf(".:%d {\n\tbind 127.0.0.1\n%s\tsqlbackend {\n\t\tdriver sqlite\n\t\tdsn %s\n\t}\n\ttransfer {\n\t\tto %s\n\t}\n}\n",
		port, tsig, db.path, strings.Join(to, " "))
	p := &primary{addr: fmt.Sprintf("127.0.0.1:%d", port)}
	p.proc = harness.StartBinary(t, corefile)
	for _, z := range zones {
		harness.WaitFor(t, p.addr, z, dns.TypeSOA, func(m *dns.Msg) bool {
			return m.Rcode == dns.RcodeSuccess && m.Authoritative
		}, 30*time.Second)
	}
	return p
}

// axfr transfers zone from the primary, signed with key when set, without the trailing
// SOA.
func (p *primary) axfr(t *testing.T, zone string, key *harness.TSIGKey) []dns.RR {
	t.Helper()
	rrs, err := p.tryAXFR(zone, key)
	if err != nil {
		t.Fatalf("AXFR %s from the primary: %v", zone, err)
	}
	return rrs
}

// tryAXFR is axfr returning its error: right after a reload, a connection the old instance
// accepted is reset when it stops, and a secondary asks again; so do the tests there.
func (p *primary) tryAXFR(zone string, key *harness.TSIGKey) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetAxfr(zone)
	tr := &dns.Transfer{DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second}
	if key != nil {
		m.SetTsig(key.Name, key.MiekgAlgorithm(), 300, time.Now().Unix())
		tr.TsigSecret = key.TsigSecret()
	}
	envs, err := tr.In(m, p.addr)
	if err != nil {
		return nil, err
	}
	var rrs []dns.RR
	var failed error
	for env := range envs {
		if env.Error != nil && failed == nil {
			failed = env.Error
		}
		rrs = append(rrs, env.RR...)
	}
	if failed != nil {
		return nil, failed
	}
	if len(rrs) < 2 {
		return nil, fmt.Errorf("%d records", len(rrs))
	}
	return rrs[:len(rrs)-1], nil
}

// rrLines returns the records as miekg/dns prints them.
func rrLines(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, rr.String())
	}
	return out
}

// assertSameZone checks that sec holds exactly the primary's records of zone (want, from
// the primary's AXFR), and answers every RRset of it as the primary does: the same rcode
// and answer section, AA set, TC, RA and AD clear, and nothing in the authority and
// additional sections that is not the zone's (each server adds what its own policy says
// there: BIND its NS, Knot and NSD less).
func assertSameZone(t *testing.T, sec *harness.Secondary, p *primary, zone string, want []dns.RR) {
	t.Helper()
	if soa, ok := want[0].(*dns.SOA); ok {
		sec.WaitSettled(t, zone, soa.Serial, 10*time.Second)
	}
	harness.AssertRRs(t, fmt.Sprintf("%s: AXFR %s", sec.Kind, zone), sec.AXFR(t, zone), rrLines(want))
	// TTLs aside: a negative answer's SOA carries the SOA's MINIMUM as its TTL.
	noTTL := func(rr dns.RR) string {
		c := dns.Copy(rr)
		c.Header().Ttl = 0
		return c.String()
	}
	inZone := map[string]bool{}
	for _, rr := range want {
		inZone[noTTL(rr)] = true
	}
	type q struct {
		name string
		qt   uint16
	}
	seen := map[q]bool{}
	var qs []q
	for _, rr := range want {
		k := q{strings.ToLower(rr.Header().Name), rr.Header().Rrtype}
		if !seen[k] {
			seen[k] = true
			qs = append(qs, k)
		}
	}
	// A wildcard's expansion, a CNAME followed in the zone, a missing name and type.
	qs = append(qs, q{"a.users." + zone, dns.TypeA}, q{"web." + zone, dns.TypeA},
		q{"nothere." + zone, dns.TypeA}, q{"www." + zone, dns.TypeMX})
	for _, k := range qs {
		if !strings.HasSuffix(k.name, zone) {
			continue // another zone's names (a catalog's member list) are not served here
		}
		wantMsg := harness.Exchange(t, p.addr, harness.Query(k.name, k.qt), "udp")
		got := harness.Exchange(t, sec.Addr, harness.Query(k.name, k.qt), "udp")
		what := fmt.Sprintf("%s: %s %s", sec.Kind, k.name, dns.TypeToString[k.qt])
		if got.Rcode != wantMsg.Rcode || !got.Authoritative || got.Truncated || got.RecursionAvailable || got.AuthenticatedData {
			t.Errorf("%s: rcode %s aa %t tc %t ra %t ad %t, want rcode %s with aa only\n%v",
				what, dns.RcodeToString[got.Rcode], got.Authoritative, got.Truncated, got.RecursionAvailable,
				got.AuthenticatedData, dns.RcodeToString[wantMsg.Rcode], got)
		}
		harness.AssertRRs(t, what+" answer", got.Answer, rrLines(wantMsg.Answer))
		for _, rr := range append(slices.Clone(got.Ns), got.Extra...) {
			if rr.Header().Rrtype == dns.TypeOPT {
				continue
			}
			if !inZone[noTTL(rr)] {
				t.Errorf("%s: %q in the authority or additional section is not a record of the zone", what, rr)
			}
		}
	}
}

func logLatencies(t *testing.T, what string, d map[harness.SecondaryKind]time.Duration) {
	t.Helper()
	var parts []string
	for k, v := range d {
		parts = append(parts, fmt.Sprintf("%s %s", k, v.Round(time.Millisecond)))
	}
	sort.Strings(parts)
	t.Logf("%s: %s", what, strings.Join(parts, ", "))
}

// soaUpdate is the statement that sets the zone's SOA serial, as a PowerDNS user's tool
// does with every change.
func soaUpdate(zone string, serial uint32) string {
	return fmt.Sprintf("UPDATE records SET content = 'ns1.%s hostmaster.%s %d 3600 600 1209600 300' WHERE name = '%s' AND type = 'SOA'",
		harness.NoDot(zone), harness.NoDot(zone), serial, harness.NoDot(zone))
}

// TestSecondariesFollowSQL: BIND, NSD, Knot and CoreDNS's secondary plugin transfer a zone
// from hostdns (sqlbackend on SQLite, stock transfer), serve every RRset as the primary
// does, and after a SQL change each serves the new serial (the stock transfer plugin's
// unsigned NOTIFY, by AXFR) and the new data.
func TestSecondariesFollowSQL(t *testing.T) {
	db := newFeedDB(t, [2]string{feedZone, feedZoneText})
	ports := map[harness.SecondaryKind]int{}
	var to []string
	for _, k := range harness.SecondaryKinds {
		ports[k] = harness.FreePort(t)
		to = append(to, fmt.Sprintf("127.0.0.1:%d", ports[k]))
	}
	p := startPrimary(t, db, to, nil, feedZone)
	want := p.axfr(t, feedZone, nil)

	var secs []*harness.Secondary
	for _, k := range harness.SecondaryKinds {
		start := time.Now()
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{Primary: p.addr, Zones: []string{feedZone}, Port: ports[k]})
		t.Logf("%s: zone served %s after the start", k, time.Since(start).Round(time.Millisecond))
		secs = append(secs, s)
		if x, ok := s.LastTransfer(feedZone); !ok || x.Kind != "AXFR" && k != harness.SecondaryNSD {
			t.Errorf("%s: first transfer %v (logged: %t), want an AXFR", k, x, ok)
		} else {
			t.Logf("%s: %v", k, x)
		}
		assertSameZone(t, s, p, feedZone, want)
	}

	// One change, as a PowerDNS user's tool makes it: a record added, one changed, the
	// serial bumped, in one transaction.
	const serial = 2026120602
	committed := db.exec(t,
		"INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, 'new.example.com', 'A', '192.0.2.99', 300, 0, 0, 1)",
		"UPDATE records SET content = '192.0.2.82' WHERE name = 'www.example.com' AND content = '192.0.2.81'",
		soaUpdate(feedZone, serial))
	logLatencies(t, "SQL commit to new serial served", harness.ServedAll(t, secs, feedZone, serial, committed, 20*time.Second))

	want = p.axfr(t, feedZone, nil)
	if !slices.Contains(rrLines(want), "new.example.com.\t300\tIN\tA\t192.0.2.99") {
		t.Fatalf("primary's AXFR after the change lacks the new record:\n%s", strings.Join(rrLines(want), "\n"))
	}
	for _, s := range secs {
		assertSameZone(t, s, p, feedZone, want)
		if s.Kind == harness.SecondaryCoreDNS {
			x := s.WaitTransferCount(t, feedZone, 2, 5*time.Second)
			t.Logf("%s: %v", s.Kind, x)
			continue
		}
		x := s.WaitTransfer(t, feedZone, serial, 5*time.Second)
		t.Logf("%s: %v", s.Kind, x)
		// The stock transfer plugin answers IXFR AXFR-style: the whole zone again.
		if s.Kind != harness.SecondaryNSD && x.Kind != "AXFR" {
			t.Errorf("%s: the change came by %s, want AXFR from the stock transfer plugin: %s", s.Kind, x.Kind, x.Line)
		}
	}
}

// TestSecondariesTSIG: with the stock tsig plugin requiring a key for transfers, BIND, NSD
// and Knot transfer the zone signed; NSD and Knot, told to accept only signed NOTIFYs,
// refuse an unsigned one (the stock transfer plugin's, and the test's) and follow a signed
// one; BIND follows the primary's unsigned NOTIFY, as it accepts any NOTIFY from its
// primaries' addresses.
func TestSecondariesTSIG(t *testing.T) {
	key := harness.NewTSIGKey(t, "xfr.example.com.")
	db := newFeedDB(t, [2]string{feedZone, feedZoneText})
	kinds := []harness.SecondaryKind{harness.SecondaryBIND, harness.SecondaryNSD, harness.SecondaryKnot}
	ports := map[harness.SecondaryKind]int{}
	var to []string
	for _, k := range kinds {
		ports[k] = harness.FreePort(t)
		to = append(to, fmt.Sprintf("127.0.0.1:%d", ports[k]))
	}
	p := startPrimary(t, db, to, key, feedZone)

	// Unsigned, the primary refuses the transfer: the secondaries' transfers are signed.
	m := new(dns.Msg)
	m.SetAxfr(feedZone)
	if envs, err := (&dns.Transfer{DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second}).In(m, p.addr); err == nil {
		var rrs int
		for env := range envs {
			if env.Error != nil {
				err = env.Error
			}
			rrs += len(env.RR)
		}
		if err == nil {
			t.Fatalf("unsigned AXFR: %d records, want refused", rrs)
		}
	}
	want := p.axfr(t, feedZone, key)

	secs := map[harness.SecondaryKind]*harness.Secondary{}
	for _, k := range kinds {
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{
			Primary: p.addr, Zones: []string{feedZone}, Port: ports[k], Key: key, SignedNotify: k != harness.SecondaryBIND,
		})
		secs[k] = s
		assertSameZone(t, s, p, feedZone, want)
		x, _ := s.LastTransfer(feedZone)
		t.Logf("%s: %v", k, x)
	}
	if x, _ := secs[harness.SecondaryNSD].LastTransfer(feedZone); !strings.Contains(x.Line, "TSIG verified with key "+harness.NoDot(key.Name)) {
		t.Errorf("nsd: transfer not logged as TSIG-verified: %q", x.Line)
	}
	for _, k := range []harness.SecondaryKind{harness.SecondaryNSD, harness.SecondaryKnot} {
		if r, err := secs[k].Notify(feedZone, nil, nil); err == nil && r.Rcode == dns.RcodeSuccess {
			t.Errorf("%s accepted an unsigned NOTIFY: %v", k, r)
		}
	}

	const serial = 2026120602
	committed := db.exec(t,
		"INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, 'new.example.com', 'A', '192.0.2.99', 300, 0, 0, 1)",
		soaUpdate(feedZone, serial))
	logLatencies(t, "SQL commit to new serial served", harness.ServedAll(t, []*harness.Secondary{secs[harness.SecondaryBIND]}, feedZone, serial, committed, 20*time.Second))
	x := secs[harness.SecondaryBIND].WaitTransfer(t, feedZone, serial, 5*time.Second)
	t.Logf("bind: %v", x)

	// BIND has the change; NSD and Knot dropped the primary's unsigned NOTIFY and wait for
	// their refresh timer (an hour) ...
	newSOA, err := secs[harness.SecondaryBIND].SOA(feedZone)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []harness.SecondaryKind{harness.SecondaryNSD, harness.SecondaryKnot} {
		if soa, err := secs[k].SOA(feedZone); err != nil || soa.Serial != 2026120601 {
			t.Errorf("%s: serial %v (%v) after an unsigned NOTIFY, want 2026120601 still", k, soa, err)
		}
	}
	// ... until a signed NOTIFY comes.
	want = p.axfr(t, feedZone, key)
	for _, k := range []harness.SecondaryKind{harness.SecondaryNSD, harness.SecondaryKnot} {
		s := secs[k]
		sent := time.Now()
		r, err := s.Notify(feedZone, newSOA, key)
		if err != nil || r.Rcode != dns.RcodeSuccess {
			t.Fatalf("%s: signed NOTIFY: %v %v", k, r, err)
		}
		at := s.WaitSerial(t, feedZone, serial, 20*time.Second)
		t.Logf("%s: signed NOTIFY to new serial served: %s", k, at.Sub(sent).Round(time.Millisecond))
		assertSameZone(t, s, p, feedZone, want)
		x := s.WaitTransfer(t, feedZone, serial, 5*time.Second)
		t.Logf("%s: %v", k, x)
	}
}

const catalogZone = "catalog.example."

// catalogText is an RFC 9432 version 2 catalog listing example.com.
const catalogText = `$ORIGIN catalog.example.
@	0	IN	SOA	invalid. invalid. 1 60 60 1209600 0
@	0	IN	NS	invalid.
version	0	IN	TXT	"2"
m1.zones	0	IN	PTR	example.com.
`

const newZoneText = `$ORIGIN example.net.
@	3600	IN	SOA	ns1.example.com. hostmaster.example.com. 7 3600 600 1209600 300
@	3600	IN	NS	ns1.example.com.
www	300	IN	A	192.0.2.7
`

// TestSecondariesCatalog: BIND, Knot and CoreDNS's secondary plugin, given only a catalog
// zone kept in SQL, transfer the member it lists and serve it as the primary does, and pick
// up a zone added to SQL and to the catalog.
func TestSecondariesCatalog(t *testing.T) {
	db := newFeedDB(t, [2]string{feedZone, feedZoneText}, [2]string{catalogZone, catalogText})
	kinds := []harness.SecondaryKind{harness.SecondaryBIND, harness.SecondaryKnot, harness.SecondaryCoreDNS}
	ports := map[harness.SecondaryKind]int{}
	var to []string
	for _, k := range kinds {
		ports[k] = harness.FreePort(t)
		to = append(to, fmt.Sprintf("127.0.0.1:%d", ports[k]))
	}
	p := startPrimary(t, db, to, nil, feedZone, catalogZone)
	want := p.axfr(t, feedZone, nil)

	var secs []*harness.Secondary
	for _, k := range kinds {
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{Primary: p.addr, Catalog: catalogZone, Port: ports[k]})
		secs = append(secs, s)
		s.WaitZone(t, feedZone, 30*time.Second)
		assertSameZone(t, s, p, feedZone, want)
	}

	db.addZone(t, "example.net.", newZoneText)
	committed := db.exec(t,
		"INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (2, 'm2.zones.catalog.example', 'PTR', 'example.net', 0, 0, 0, 1)",
		"UPDATE records SET content = 'invalid invalid 2 60 60 1209600 0' WHERE name = 'catalog.example' AND type = 'SOA'")
	logLatencies(t, "SQL commit to the catalog's new member served", harness.ServedAll(t, secs, "example.net.", 7, committed, 30*time.Second))
	want = p.axfr(t, "example.net.", nil)
	for _, s := range secs {
		harness.AssertRRs(t, fmt.Sprintf("%s: AXFR example.net", s.Kind), s.AXFR(t, "example.net."), rrLines(want))
	}
}

// TestSecondariesRefused: a primary whose transfer plugin allows another address refuses
// every secondary's transfer, and each logs it (the harness tells it from a transfer).
func TestSecondariesRefused(t *testing.T) {
	db := newFeedDB(t, [2]string{feedZone, feedZoneText})
	// 127.0.0.2 is allowed, never notified (no change is made); the secondaries ask from
	// 127.0.0.1.
	p := startPrimary(t, db, []string{"127.0.0.2:53"}, nil, feedZone)
	for _, k := range harness.SecondaryKinds {
		s := harness.StartSecondary(t, k, harness.SecondaryOptions{Primary: p.addr, Zones: []string{feedZone}, NoWait: true})
		x := s.WaitFailedTransfer(t, feedZone, 10*time.Second)
		if x.Error != "REFUSED" {
			t.Errorf("%s: transfer failed with %q, want REFUSED: %s", k, x.Error, x.Line)
		}
		if xs := s.Transfers(feedZone); len(xs) > 0 {
			t.Errorf("%s: transfers logged from a refusing primary: %v", k, xs)
		}
		if soa, err := s.SOA(feedZone); err == nil {
			t.Errorf("%s serves %s after a refused transfer: %v", k, feedZone, soa)
		}
	}
}

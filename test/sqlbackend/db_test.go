package sqlbackend_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// testDB is a database holding the PowerDNS schema, with what a Corefile
// needs to reach it.
type testDB struct {
	kind   string // "mariadb" or "sqlite"
	DB     *sql.DB
	driver string
	dsn    string
}

// corefileBlock returns the sqlbackend block for the database, with extra
// lines inside it.
func (d *testDB) corefileBlock(extra ...string) string {
	return fmt.Sprintf("sqlbackend {\n\t\tdriver %s\n\t\tdsn %s\n\t\t%s\n\t}", d.driver, d.dsn, strings.Join(extra, "\n\t\t"))
}

func (d *testDB) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := d.DB.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

// newMariaDB gives the test its own MariaDB database with the schema. The
// test writes through m.DB, a connection of its own, like any SQL client.
func newMariaDB(t testing.TB) *testDB {
	m := harness.NewMariaDB(t)
	s, err := sqlstore.Open(sqlstore.MySQL, m.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &testDB{kind: "mariadb", DB: m.DB, driver: "mysql", dsn: m.DSN}
}

// newSQLite gives the test a new SQLite file with the schema.
func newSQLite(t testing.TB) *testDB {
	path := filepath.Join(t.TempDir(), "zones.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, ""); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testDB{kind: "sqlite", DB: s.DB, driver: "sqlite", dsn: path}
}

// loadZone writes a zone, given as zone-file text, into the PowerDNS tables
// the way PowerDNS tools store it: names without the trailing dot, MX and SRV
// priority in the prio column, one row per record. It returns the domain id.
func loadZone(t testing.TB, d *testDB, id int, origin, text string) {
	t.Helper()
	d.exec(t, `INSERT INTO domains (id, name, type) VALUES (?, ?, 'NATIVE')`, id, strings.TrimSuffix(origin, "."))
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name, typ, content, prio := harness.PowerDNSRow(rr)
		d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (?, ?, ?, ?, ?, ?, 0, 1)`,
			id, name, typ, content, rr.Header().Ttl, prio)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone %s: %v", origin, err)
	}
}

// setupZones loads every corpus zone into d, plus rows the file plugin has no
// equivalent for and that must not change any answer: an empty-non-terminal
// row (type NULL), a disabled record and a record that does not parse.
func setupZones(t testing.TB, d *testDB) {
	for i, origin := range sortedKeys(corpusZones) {
		loadZone(t, d, i+1, origin, corpusZones[origin])
	}
	org := `(SELECT id FROM domains WHERE name = 'example.org')`
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'b.ent.example.org', NULL, NULL, NULL, 0)`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'www.example.org', 'A', '192.0.2.200', 3600, 1)`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'www.example.org', 'A', '192.0.2.300', 3600, 0)`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'www.example.net', 'A', '192.0.2.1', 3600, 0)`)
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

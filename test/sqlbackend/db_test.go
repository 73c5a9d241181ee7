package sqlbackend_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/miekg/dns"
)

// testDB is a database holding the PowerDNS schema, with what a Corefile
// needs to reach it.
type testDB struct {
	kind    string // "mariadb", "postgres" or "sqlite"
	dialect sqlstore.Dialect
	DB      *sql.DB
	driver  string
	dsn     string
	addr    string // host:port of the server, "" for SQLite
}

// corefileBlock returns the sqlbackend block for the database, with extra
// lines inside it.
func (d *testDB) corefileBlock(extra ...string) string {
	return fmt.Sprintf("sqlbackend {\n\t\tdriver %s\n\t\tdsn %s\n\t\t%s\n\t}", d.driver, d.dsn, strings.Join(extra, "\n\t\t"))
}

// exec runs q, written with "?" placeholders, whatever the database. The SQL
// of the tests is otherwise common to all three: booleans are written TRUE
// and FALSE, which PostgreSQL needs and MySQL and SQLite read as 1 and 0.
func (d *testDB) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := d.DB.ExecContext(context.Background(), d.dialect.Rebind(q), args...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

// newMariaDB gives the test its own MariaDB database with the schema. The
// test writes through m.DB, a connection of its own, like any SQL client.
func newMariaDB(t testing.TB) *testDB {
	m := harness.NewMariaDB(t)
	createSchema(t, sqlstore.MySQL, m.DSN)
	return &testDB{kind: "mariadb", dialect: sqlstore.MySQL, DB: m.DB, driver: "mysql", dsn: m.DSN, addr: "127.0.0.1:3306"}
}

// newPostgres gives the test its own PostgreSQL database with the schema,
// written to through a connection of the test's own like newMariaDB's.
func newPostgres(t testing.TB) *testDB {
	p := harness.NewPostgres(t)
	createSchema(t, sqlstore.Postgres, p.DSN)
	// The corpus holds a mixed-case owner (MiXeD.example.org), which the
	// c_lowercase_name check of today's gpgsql schema refuses. Databases made
	// with older gpgsql schemas have no such check and may hold such names:
	// without it the corpus loads unchanged and shows they are served as on
	// MySQL.
	if _, err := p.DB.Exec(`ALTER TABLE records DROP CONSTRAINT c_lowercase_name`); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgconn.ParseConfig(p.DSN)
	if err != nil {
		t.Fatal(err)
	}
	return &testDB{kind: "postgres", dialect: sqlstore.Postgres, DB: p.DB, driver: "postgres", dsn: p.DSN,
		addr: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))}
}

// createSchema creates the PowerDNS schema and the change log in an empty
// MySQL or PostgreSQL database, through a store of its own.
func createSchema(t testing.TB, d sqlstore.Dialect, dsn string) {
	t.Helper()
	s, err := sqlstore.Open(d, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// newSQLite gives the test a new SQLite file with the schema.
func newSQLite(t testing.TB) *testDB {
	db, path := harness.NewSQLite(t)
	return &testDB{kind: "sqlite", dialect: sqlstore.SQLite, DB: db, driver: "sqlite", dsn: path}
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
		d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (?, ?, ?, ?, ?, ?, FALSE, TRUE)`,
			id, name, typ, content, rr.Header().Ttl, prio)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone %s: %v", origin, err)
	}
}

// loadSmallZones loads zones z1.test ... zN.test (domain ids 1 to N) into d,
// each with a SOA, an NS and www A 192.0.2.80, TTL 3600: many zones, little
// data, for tests of what happens per zone.
func loadSmallZones(t testing.TB, d *testDB, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		z := fmt.Sprintf("z%d.test.", i)
		loadZone(t, d, i, z, fmt.Sprintf("$ORIGIN %s\n@ 3600 IN SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 300\n@ 3600 IN NS ns1.example.net.\nwww 3600 IN A 192.0.2.80\n", z))
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
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'b.ent.example.org', NULL, NULL, NULL, FALSE)`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'www.example.org', 'A', '192.0.2.200', 3600, TRUE)`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'www.example.org', 'A', '192.0.2.300', 3600, FALSE)`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled) VALUES (`+org+`, 'www.example.net', 'A', '192.0.2.1', 3600, FALSE)`)
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

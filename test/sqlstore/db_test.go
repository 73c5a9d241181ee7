package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	. "github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

// stores returns a fresh store of each dialect, with the full schema.
func stores(t *testing.T) map[Dialect]*Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zones.db")
	if err := SeedSQLite(context.Background(), path, ""); err != nil {
		t.Fatal(err)
	}
	return map[Dialect]*Store{
		MySQL:    withSchema(t, MySQL, harness.NewMariaDB(t).DSN),
		Postgres: withSchema(t, Postgres, harness.NewPostgres(t).DSN),
		SQLite:   open(t, SQLite, path),
	}
}

// open opens a store closed when the test ends.
func open(t *testing.T, d Dialect, dsn string) *Store {
	t.Helper()
	s, err := Open(d, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// withSchema opens a store on an empty MySQL or PostgreSQL database and
// creates the PowerDNS schema and the change log in it.
func withSchema(t *testing.T, d Dialect, dsn string) *Store {
	t.Helper()
	s := open(t, d, dsn)
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestChangeLogTriggers(t *testing.T) {
	ctx := context.Background()
	for d, s := range stores(t) {
		t.Run(string(d), func(t *testing.T) {
			// Ensuring twice is harmless and keeps the triggers.
			if err := s.EnsureSchema(ctx); err != nil {
				t.Fatalf("second EnsureSchema: %v", err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := s.DB.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO domains (id, name, type) VALUES (7, 'example.org', 'NATIVE')`)
			// TRUE and FALSE: PostgreSQL's disabled is a boolean, which takes no
			// number; MySQL and SQLite read them as 1 and 0.
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, disabled) VALUES (1, 7, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 1 2 3 4 5', 300, FALSE)`)
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, disabled) VALUES (2, 7, 'www.example.org', 'A', '192.0.2.1', 300, TRUE)`)
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, disabled) VALUES (3, 7, 'ent.example.org', NULL, NULL, NULL, FALSE)`)
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, disabled) VALUES (4, 7, 'null.example.org', 'A', '192.0.2.4', 300, NULL)`)
			exec(`UPDATE records SET content = '192.0.2.2' WHERE id = 2`)
			exec(`DELETE FROM records WHERE id = 2`)
			exec(`INSERT INTO domains (id, name, type) VALUES (8, 'example.net', 'NATIVE')`)
			exec(`DELETE FROM domains WHERE id = 8`)

			changes, err := s.Changes(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var doms, recs []int64
			for _, c := range changes {
				doms = append(doms, c.DomainID)
				recs = append(recs, c.RecordID)
				if c.At.IsZero() {
					t.Errorf("change %d has no time", c.ID)
				}
			}
			want := []int64{7, 7, 7, 7, 7, 7, 7, 7, 8, 8}
			if !reflect.DeepEqual(doms, want) {
				t.Errorf("changed domains %v, want %v", doms, want)
			}
			// Record changes name their record (an update twice: before and
			// after); domain changes name none, meaning the whole zone.
			if want := []int64{0, 1, 2, 3, 4, 2, 2, 2, 0, 0}; !reflect.DeepEqual(recs, want) {
				t.Errorf("changed records %v, want %v", recs, want)
			}
			max, err := s.MaxChangeID(ctx)
			if err != nil || max != changes[len(changes)-1].ID {
				t.Errorf("MaxChangeID %d %v, want %d", max, err, changes[len(changes)-1].ID)
			}

			rows, err := s.ZoneRows(ctx, 7)
			if err != nil {
				t.Fatal(err)
			}
			// Neither the disabled row nor the one whose disabled is NULL.
			if len(rows) != 2 || rows[0].Type != "SOA" || rows[1].Type != "" || rows[1].TTL != -1 {
				t.Errorf("rows %+v, want the SOA and the ENT row", rows)
			}
			d, ok, err := s.Domain(ctx, 7)
			if err != nil || !ok || d.Name != "example.org." {
				t.Errorf("Domain(7) = %v %v %v", d, ok, err)
			}
			if _, ok, err := s.Domain(ctx, 8); ok || err != nil {
				t.Errorf("Domain(8) = %v %v, want gone", ok, err)
			}
			if n, err := s.Prune(ctx, max); err != nil || n != int64(len(changes)-1) {
				t.Errorf("Prune = %d %v, want %d", n, err, len(changes)-1)
			}
			if min, err := s.MinChangeID(ctx); err != nil || min != max {
				t.Errorf("MinChangeID = %d %v, want %d", min, err, max)
			}
		})
	}
}

// TestChangeLogUpgrade: a database whose change log was made before it had
// record_id (the table without the column, triggers that do not write it)
// is upgraded by EnsureSchema, so record changes name their record.
func TestChangeLogUpgrade(t *testing.T) {
	ctx := context.Background()
	sqlitePath := filepath.Join(t.TempDir(), "zones.db")
	for d, dsn := range map[Dialect]string{MySQL: harness.NewMariaDB(t).DSN, Postgres: harness.NewPostgres(t).DSN, SQLite: sqlitePath} {
		t.Run(string(d), func(t *testing.T) {
			s := open(t, d, dsn)
			if err := s.ExecScript(ctx, SchemaSQL(d)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB.ExecContext(ctx, `INSERT INTO domains (id, name, type) VALUES (7, 'example.org', 'NATIVE')`); err != nil {
				t.Fatal(err)
			}
			if err := s.ExecScript(ctx, legacyChanges(d)); err != nil {
				t.Fatalf("legacy change log: %v", err)
			}
			insert := func(id int) {
				t.Helper()
				q := fmt.Sprintf(`INSERT INTO records (id, domain_id, name, type, content, ttl, disabled) VALUES (%d, 7, 'www.example.org', 'A', '192.0.2.1', 300, FALSE)`, id)
				if _, err := s.DB.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			insert(1)
			if err := s.EnsureSchema(ctx); err != nil {
				t.Fatalf("EnsureSchema over the legacy change log: %v", err)
			}
			if s.LegacyTriggers {
				t.Errorf("LegacyTriggers set on %s, which can replace its triggers", d)
			}
			insert(2)
			changes, err := s.Changes(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			var recs []int64
			for _, c := range changes {
				recs = append(recs, c.RecordID)
			}
			// The change logged by the old trigger names no record.
			if want := []int64{0, 2}; !reflect.DeepEqual(recs, want) {
				t.Errorf("changed records %v, want %v", recs, want)
			}
		})
	}
}

// legacyChanges is the change-log script as it was before record_id.
func legacyChanges(d Dialect) string {
	var out []string
	for _, stmt := range SplitStatements(ChangesSQL(d)) {
		if strings.Contains(stmt, "hostdns_add_record_id") || strings.HasPrefix(stmt, "ALTER TABLE hostdns_changes") {
			continue
		}
		stmt = regexp.MustCompile(`\n\s*record_id\s+\w+ DEFAULT NULL,`).ReplaceAllString(stmt, "")
		stmt = strings.ReplaceAll(stmt, "(domain_id, record_id)", "(domain_id)")
		stmt = regexp.MustCompile(`\((NEW|OLD)\.domain_id, (NEW|OLD)\.id\)`).ReplaceAllString(stmt, "($1.domain_id)")
		if strings.Contains(stmt, "record_id") {
			panic("legacy script still names record_id: " + stmt)
		}
		out = append(out, stmt+";\n")
	}
	return strings.Join(out, "")
}

package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSeedSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seed := writeFile(t, dir, "seed.sql", `BEGIN TRANSACTION;
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl) VALUES (1, 'example.org', 'SOA', 'a b 1 2 3 4 5', 60);
COMMIT;
`)
	path := filepath.Join(dir, "z.db")
	if err := SeedSQLite(ctx, path, seed); err != nil {
		t.Fatal(err)
	}
	// A second start does not seed again over the data.
	if err := SeedSQLite(ctx, path, seed); err != nil {
		t.Fatal(err)
	}
	wantOnlyExampleOrg(t, path)

	bad := writeFile(t, dir, "bad.sql", "INSERT INTO nosuchtable VALUES (1);")
	if err := SeedSQLite(ctx, filepath.Join(dir, "bad.db"), bad); err == nil {
		t.Fatal("a bad seed file did not fail")
	}
	// Nothing half made is left behind: the next start seeds again.
	if left, _ := filepath.Glob(filepath.Join(dir, "bad.db*")); len(left) > 0 {
		t.Fatalf("a failed seed left %v", left)
	}
	if _, err := Open(SQLite, filepath.Join(dir, "bad.db")); err != nil {
		t.Fatal(err)
	}
}

// TestSeedSQLiteAfterInterruptedStart: a first start stopped while seeding
// (Ctrl-C) leaves at most the file being written beside the database, never a
// database without its seed; the next start seeds it whole and ignores what
// the interrupted one left, a stale journal included.
func TestSeedSQLiteAfterInterruptedStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seed := writeFile(t, dir, "seed.sql", `INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl) VALUES (1, 'example.org', 'SOA', 'a b 1 2 3 4 5', 60);
`)
	path := filepath.Join(dir, "z.db")
	// What an interrupted start leaves: the schema without the seed, being
	// written, and a journal of a database since removed.
	half, err := Open(SQLite, path+".seeding")
	if err != nil {
		t.Fatal(err)
	}
	if err := half.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	half.Close()
	writeFile(t, dir, "z.db-wal", "not a journal of this database")

	if err := SeedSQLite(ctx, path, seed); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "z.db*"))
	if len(left) != 1 || left[0] != path {
		t.Fatalf("files after the seed: %v, want only %s", left, path)
	}
	wantOnlyExampleOrg(t, path)
}

// wantOnlyExampleOrg fails the test unless the SQLite file at path holds the one domain
// example.org.
func wantOnlyExampleOrg(t *testing.T, path string) {
	t.Helper()
	s, err := Open(SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	doms, err := s.Domains(context.Background())
	if err != nil || len(doms) != 1 || doms[0].Name != "example.org." {
		t.Fatalf("domains in %s: %v %v, want example.org.", path, doms, err)
	}
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPostgresErrorsHidePassword: connection errors, which sqlbackend logs,
// name the user and database but not the password of the DSN.
func TestPostgresErrorsHidePassword(t *testing.T) {
	s, err := Open(Postgres, "postgres://hostdns:s3cr3t-pw@127.0.0.1:1/pdns?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	_, err = s.MaxChangeID(ctx)
	if err == nil {
		t.Fatal("no error from a server that is not there")
	}
	if strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "hostdns") {
		t.Errorf("error %q does not name the user", err)
	}
}

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

// TestSeedSQLiteAllOrNothing: the schema and the seed are one transaction. A
// seed that fails on a file that was there before (another plugin made it)
// leaves it without PowerDNS's tables, so the next start seeds it; a start
// stopped while seeding (Ctrl-C) does the same (test/e2e).
func TestSeedSQLiteAllOrNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "z.db")
	other, err := Open(SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.DB.ExecContext(ctx, "CREATE TABLE other_plugin (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	other.Close()

	failing := writeFile(t, dir, "failing.sql", `INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO nosuchtable VALUES (1);
`)
	if err := SeedSQLite(ctx, path, failing); err == nil {
		t.Fatal("a seed that fails halfway did not fail")
	}
	s, err := Open(SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	lacks, err := s.lacksDomains(ctx)
	s.Close()
	if err != nil || !lacks {
		t.Fatalf("after a failed seed the file has a domains table (%v): the next start would not seed it", err)
	}

	good := writeFile(t, dir, "good.sql", `INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl) VALUES (1, 'example.org', 'SOA', 'a b 1 2 3 4 5', 60);
`)
	if err := SeedSQLite(ctx, path, good); err != nil {
		t.Fatal(err)
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

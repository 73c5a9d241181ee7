package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestSeedSQLiteCreatedByAnother: a file another plugin on the same DSN opened
// first (and so created, without tables) is seeded; a file with the schema is
// never seeded again, whatever the operator changed.
func TestSeedSQLiteCreatedByAnother(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "zones.db")
	seed := writeFile(t, dir, "zones.sql", "INSERT INTO domains (name, type) VALUES ('example.org', 'NATIVE');\n")
	other, err := Open(SQLite, path) // sqlsecondary, asking before sqlbackend seeded
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.DB.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		t.Fatal(err)
	}
	if err := other.DB.QueryRowContext(ctx, "SELECT count(*) FROM domains").Scan(new(int)); err == nil {
		t.Fatal("the other plugin found a domains table before the seed")
	}

	if err := SeedSQLite(ctx, path, seed); err != nil {
		t.Fatal(err)
	}
	if n := domains(t, other); n != 1 {
		t.Fatalf("%d domains after seeding a file created by another plugin, want 1", n)
	}
	if _, err := other.DB.ExecContext(ctx, "DELETE FROM domains"); err != nil {
		t.Fatal(err)
	}
	if err := SeedSQLite(ctx, path, seed); err != nil {
		t.Fatal(err)
	}
	if n := domains(t, other); n != 0 {
		t.Errorf("%d domains after a restart, want the operator's 0: a file with the schema is not seeded again", n)
	}
}

func domains(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM domains").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSeedSQLiteWhileAnotherOpens: sqlbackend seeding a brand-new file while
// sqlsecondary, started with it, opens the same file and creates its lease
// table. Both must succeed. Before opening retried a busy file, about one
// attempt in twenty failed with SQLITE_BUSY (two connections turning the file
// to WAL at once), so a hundred attempts find a regression almost surely.
func TestSeedSQLiteWhileAnotherOpens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seed := writeFile(t, dir, "zones.sql", "INSERT INTO domains (name, type) VALUES ('example.org', 'NATIVE');\n")
	for i := range 100 {
		path := filepath.Join(dir, fmt.Sprintf("zones%d.db", i))
		var seedErr, otherErr error
		var wg sync.WaitGroup
		wg.Go(func() { seedErr = SeedSQLite(ctx, path, seed) })
		wg.Go(func() { otherErr = createTableBeside(ctx, path) })
		wg.Wait()
		if seedErr != nil || otherErr != nil {
			t.Fatalf("attempt %d: seeding: %v; the other plugin: %v", i, seedErr, otherErr)
		}
		s, err := Open(SQLite, path)
		if err != nil {
			t.Fatal(err)
		}
		n := domains(t, s)
		s.Close()
		if n != 1 {
			t.Fatalf("attempt %d: %d domains after seeding, want 1", i, n)
		}
	}
}

func createTableBeside(ctx context.Context, path string) error {
	s, err := Open(SQLite, path)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS leases (id BIGINT PRIMARY KEY)`)
	return err
}

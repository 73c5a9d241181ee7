package harness

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// NewSQLite is a new SQLite file in the PowerDNS schema, in the test's temporary directory,
// open for the test (closed at its end): the database and the file's path, which is the DSN
// a Corefile's sqlbackend gives.
func NewSQLite(t testing.TB) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zones.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, ""); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB, path
}

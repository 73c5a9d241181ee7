package harness

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// DefaultPostgresDSN is the PostgreSQL server the tests use unless HOSTDNS_POSTGRES_DSN
// names another: the one test/scripts/ensure-services.sh sets up, which trusts connections
// from 127.0.0.1.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Postgres is a PostgreSQL database created for one test.
type Postgres struct {
	// DB is connected to the test's database (driver "pgx").
	DB *sql.DB
	// DSN connects to the test's database, for code under test that opens its own
	// connection (a plugin's Corefile): the server's DSN with the database name replaced.
	DSN string
	// Name is the database name.
	Name string
}

// NewPostgres creates a fresh, empty database named after the test on the PostgreSQL
// server at $HOSTDNS_POSTGRES_DSN (default DefaultPostgresDSN), and drops it when the test
// ends. It fails the test when the server is unreachable: run
// test/scripts/ensure-services.sh.
func NewPostgres(t testing.TB) *Postgres {
	t.Helper()
	serverDSN := os.Getenv("HOSTDNS_POSTGRES_DSN")
	if serverDSN == "" {
		serverDSN = DefaultPostgresDSN
	}
	cfg, err := pgconn.ParseConfig(serverDSN)
	if err != nil {
		t.Fatalf("HOSTDNS_POSTGRES_DSN: %v", err)
	}
	admin, err := sql.Open("pgx", serverDSN)
	if err == nil {
		// Fail fast when nothing listens: pgx has no connect timeout of its own.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s:%d is not reachable: %v\n"+
			"Tests need it: run test/scripts/ensure-services.sh as root (or set HOSTDNS_POSTGRES_DSN).", cfg.Host, cfg.Port, err)
	}

	// PostgreSQL identifiers are at most 63 bytes.
	name := uniqueName("t_", t.Name(), 63)
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE "%s"`, name)); err != nil {
		admin.Close()
		t.Fatalf("creating database %s: %v", name, err)
	}

	p := &Postgres{DSN: withDatabase(serverDSN, name), Name: name}
	// Registered before anything else can fail, so the database is dropped in every case.
	t.Cleanup(func() {
		if p.DB != nil {
			p.DB.Close()
		}
		// FORCE ends connections the code under test may still hold (PostgreSQL 13+).
		if _, err := admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS "%s" WITH (FORCE)`, name)); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
		admin.Close()
	})

	if p.DB, err = sql.Open("pgx", p.DSN); err != nil {
		t.Fatalf("opening database %s: %v", name, err)
	}
	return p
}

// withDatabase returns dsn, a libpq URL or keyword/value string, naming database name.
func withDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	return dsn + " dbname=" + name // the last setting of a key wins
}

package harness

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DefaultMySQLDSN is the MariaDB server the tests use unless HOSTDNS_MYSQL_DSN names
// another: the one test/scripts/ensure-services.sh sets up.
const DefaultMySQLDSN = "root@tcp(127.0.0.1:3306)/"

// MariaDB is a database created for one test.
type MariaDB struct {
	// DB is connected to the test's database.
	DB *sql.DB
	// DSN connects to the test's database, with parseTime=true and multiStatements=true,
	// for code under test that opens its own connection (a plugin's Corefile).
	DSN string
	// Name is the database name.
	Name string
}

// NewMariaDB creates a fresh, empty database named after the test on the MariaDB server
// at $HOSTDNS_MYSQL_DSN (default DefaultMySQLDSN), and drops it when the test ends. It
// fails the test when the server is unreachable: run test/scripts/ensure-services.sh.
func NewMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	serverDSN := os.Getenv("HOSTDNS_MYSQL_DSN")
	if serverDSN == "" {
		serverDSN = DefaultMySQLDSN
	}
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		t.Fatalf("HOSTDNS_MYSQL_DSN %q: %v", serverDSN, err)
	}
	// Fail fast when nothing listens, instead of the driver's long default.
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	cfg.ParseTime = true
	cfg.MultiStatements = true

	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		t.Fatalf("MariaDB at %s is not reachable: %v\n"+
			"Tests need it: run test/scripts/ensure-services.sh as root (or set HOSTDNS_MYSQL_DSN).", cfg.Addr, err)
	}

	// MariaDB database names are at most 64 characters.
	name := uniqueName("t_", t.Name(), 64)
	if _, err := admin.Exec(fmt.Sprintf("CREATE DATABASE `%s`", name)); err != nil {
		admin.Close()
		t.Fatalf("creating database %s: %v", name, err)
	}

	cfg.DBName = name
	m := &MariaDB{DSN: cfg.FormatDSN(), Name: name}
	// Registered before anything else can fail, so the database is dropped in every case.
	t.Cleanup(func() {
		if m.DB != nil {
			m.DB.Close()
		}
		if _, err := admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS `%s`", name)); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
		admin.Close()
	})

	if m.DB, err = sql.Open("mysql", m.DSN); err != nil {
		t.Fatalf("opening database %s: %v", name, err)
	}
	return m
}

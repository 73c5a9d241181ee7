// Package sqlstore is hostdns' access to zone data kept in SQL in the
// PowerDNS generic schema: the drivers (MariaDB/MySQL and an embedded SQLite
// file), the schema files, the conversion of a records row to a dns.RR, and
// the change log that tells readers which zones changed.
//
// It knows nothing of serving DNS: sqlbackend builds zones from what it
// returns, and other plugins (secondaryfeed) can read the same tables.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // driver "mysql"
	_ "modernc.org/sqlite"             // driver "sqlite": pure Go, no cgo
)

// Dialect names a supported database.
type Dialect string

// The supported databases.
const (
	MySQL  Dialect = "mysql"  // MariaDB or MySQL, through go-sql-driver/mysql
	SQLite Dialect = "sqlite" // an SQLite file, through modernc.org/sqlite
)

// ParseDialect returns the Dialect for a driver name as written in a Corefile.
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(s) {
	case "mysql", "mariadb":
		return MySQL, nil
	case "sqlite", "sqlite3":
		return SQLite, nil
	}
	return "", fmt.Errorf("unknown database driver %q: want mysql or sqlite", s)
}

// Store is a connection pool to one database holding the PowerDNS schema.
type Store struct {
	DB      *sql.DB
	Dialect Dialect
}

// Open opens a pool for dsn without connecting: the database may be down
// when hostdns starts, and the caller retries. For SQLite, dsn is a file
// path; pragmas for concurrent readers and a writer are added.
func Open(d Dialect, dsn string) (*Store, error) {
	driver, full := string(d), dsn
	switch d {
	case SQLite:
		full = sqliteDSN(dsn)
	case MySQL:
	default:
		return nil, fmt.Errorf("unknown dialect %q", d)
	}
	db, err := sql.Open(driver, full)
	if err != nil {
		return nil, err
	}
	if d == MySQL {
		// Few connections suffice: one poller and the occasional zone load.
		// Idle ones are closed so an idle node holds at most two.
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(2)
		db.SetConnMaxIdleTime(time.Minute)
	}
	return &Store{DB: db, Dialect: d}, nil
}

// sqliteDSN turns a path into a modernc.org/sqlite DSN: WAL so readers do not
// block the writer, a busy timeout instead of "database is locked" errors,
// and foreign keys on so deleting a domain deletes its records (and fires
// their triggers), as in PowerDNS's gsqlite3 schema.
func sqliteDSN(path string) string {
	if strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return path
	}
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"
}

// Close closes the pool.
func (s *Store) Close() error { return s.DB.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

// EnsureSchema creates what is missing: for SQLite the whole PowerDNS schema
// and the change log, for MySQL only the change log and its triggers (the
// PowerDNS tables are the operator's). It is idempotent, and it never drops
// or alters existing data.
func (s *Store) EnsureSchema(ctx context.Context) error {
	switch s.Dialect {
	case SQLite:
		if err := s.execScript(ctx, SchemaSQL(SQLite)); err != nil {
			return err
		}
		return s.execScript(ctx, ChangesSQL(SQLite))
	case MySQL:
		return s.ensureMySQLChanges(ctx)
	}
	return fmt.Errorf("unknown dialect %q", s.Dialect)
}

// ensureMySQLChanges runs changes.mysql.sql but keeps triggers that exist:
// dropping and re-creating them on every start would, for an instant, let a
// write go unnoticed by the other nodes.
func (s *Store) ensureMySQLChanges(ctx context.Context) error {
	for _, stmt := range SplitStatements(ChangesSQL(MySQL)) {
		upper := strings.ToUpper(stmt)
		if strings.HasPrefix(upper, "DROP TRIGGER") {
			continue
		}
		if strings.HasPrefix(upper, "CREATE TRIGGER") {
			name := strings.Fields(stmt)[2]
			var n int
			err := s.DB.QueryRowContext(ctx,
				`SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = ?`, name).Scan(&n)
			if err != nil {
				return fmt.Errorf("checking trigger %s: %w", name, err)
			}
			if n > 0 {
				continue
			}
		}
		if _, err := s.DB.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("schema statement %.60q: %w", stmt, err)
		}
	}
	return nil
}

// CreatePowerDNSSchema creates the PowerDNS tables and the change log in a
// MySQL database that has none, for tests and new installations.
func (s *Store) CreatePowerDNSSchema(ctx context.Context) error {
	if s.Dialect == MySQL {
		if err := s.execScript(ctx, SchemaSQL(MySQL)); err != nil {
			return err
		}
	}
	return s.EnsureSchema(ctx)
}

// ExecScript runs every statement of an SQL script in order, in one
// transaction, for seeding a database from a .sql file.
func (s *Store) ExecScript(ctx context.Context, script string) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, stmt := range SplitStatements(script) {
		if isTxControl(stmt) {
			continue // the script runs in our own transaction
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			tx.Rollback()
			return fmt.Errorf("statement %.80q: %w", stmt, err)
		}
	}
	return tx.Commit()
}

func (s *Store) execScript(ctx context.Context, script string) error {
	for _, stmt := range SplitStatements(script) {
		if _, err := s.DB.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("schema statement %.60q: %w", stmt, err)
		}
	}
	return nil
}

// SeedSQLite prepares the SQLite file at path: when the file does not exist
// yet it is created with the schema and, if seedFile is not empty, filled by
// running that SQL file. An existing file is only given what of the schema it
// lacks, so a restart never re-seeds over the operator's changes.
func SeedSQLite(ctx context.Context, path, seedFile string) error {
	_, err := os.Stat(path)
	isNew := errors.Is(err, os.ErrNotExist)
	if err != nil && !isNew {
		return err
	}
	var seed []byte
	if isNew && seedFile != "" {
		if seed, err = os.ReadFile(seedFile); err != nil {
			return fmt.Errorf("reading seed: %w", err)
		}
	}
	s, err := Open(SQLite, path)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.EnsureSchema(ctx); err != nil {
		if isNew {
			os.Remove(path)
		}
		return err
	}
	if len(seed) > 0 {
		if err := s.ExecScript(ctx, string(seed)); err != nil {
			s.Close()
			// Leave no half-seeded file behind: the next start seeds again.
			os.Remove(path)
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
			return fmt.Errorf("seeding %s from %s: %w", path, seedFile, err)
		}
	}
	return nil
}

func isTxControl(stmt string) bool {
	switch strings.ToUpper(strings.Join(strings.Fields(stmt), " ")) {
	case "BEGIN", "BEGIN TRANSACTION", "START TRANSACTION", "COMMIT", "END TRANSACTION":
		return true
	}
	return false
}

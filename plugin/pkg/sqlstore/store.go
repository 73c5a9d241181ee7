// Package sqlstore is hostdns' access to zone data kept in SQL in the
// PowerDNS generic schema: the drivers (MariaDB/MySQL, PostgreSQL and an
// embedded SQLite file), the schema files, the conversion of a records row to
// a dns.RR, and the change log that tells readers which zones changed.
//
// It knows nothing of serving DNS: sqlbackend builds zones from what it
// returns, and other plugins (the planned secondaryfeed) can read the same tables.
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
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx": pure Go, no cgo
	// modernc.org/sqlite (pure Go, no cgo) is opened through its connector: sqliteconn.go.
)

// Dialect names a supported database.
type Dialect string

// The supported databases.
const (
	MySQL    Dialect = "mysql"    // MariaDB or MySQL, through go-sql-driver/mysql
	SQLite   Dialect = "sqlite"   // an SQLite file, through modernc.org/sqlite
	Postgres Dialect = "postgres" // PostgreSQL, through jackc/pgx's database/sql driver
)

// ParseDialect returns the Dialect for a driver name as written in a Corefile.
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(s) {
	case "mysql", "mariadb":
		return MySQL, nil
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "postgres", "postgresql", "pgx":
		return Postgres, nil
	}
	return "", fmt.Errorf("unknown database driver %q: want mysql, postgres or sqlite", s)
}

// Store is a connection pool to one database holding the PowerDNS schema.
type Store struct {
	DB      *sql.DB
	Dialect Dialect

	// LegacyTriggers is set by EnsureSchema when record triggers made before
	// the change log had a record_id column were found and could not be
	// replaced atomically (MySQL): they still work, but every change to a
	// record is logged as a change to its whole zone.
	LegacyTriggers bool

	// Unverified is set by EnsureSchema when the triggers could not be fired
	// to test them (see VerifyTriggers): it says what was not checked.
	Unverified string
}

// Open opens a pool for dsn without connecting: the database may be down
// when hostdns starts, and the caller retries. For SQLite, dsn is a file
// path; pragmas for concurrent readers and a writer are added. For
// PostgreSQL, dsn is a libpq URL or keyword/value string (pgx reads both).
func Open(d Dialect, dsn string) (*Store, error) {
	driver, full := string(d), dsn
	switch d {
	case SQLite:
		full = sqliteDSN(dsn)
	case MySQL:
	case Postgres:
		driver = "pgx"
	default:
		return nil, fmt.Errorf("unknown dialect %q", d)
	}
	var db *sql.DB
	var err error
	if d == SQLite {
		db, err = openSQLite(full)
	} else {
		db, err = sql.Open(driver, full)
	}
	if err != nil {
		return nil, err
	}
	if d != SQLite {
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
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)", path, sqliteBusyTimeout.Milliseconds())
}

// query, queryRow and exec run a query written with "?" placeholders, as
// every query of this package is, rebound for the store's dialect.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.DB.QueryContext(ctx, s.Dialect.Rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.DB.QueryRowContext(ctx, s.Dialect.Rebind(q), args...)
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.DB.ExecContext(ctx, s.Dialect.Rebind(q), args...)
}

// Close closes the pool.
func (s *Store) Close() error { return s.DB.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

// EnsureSchema creates what is missing: for SQLite the whole PowerDNS schema
// and the change log, for MySQL and PostgreSQL only the change log and its
// triggers (the PowerDNS tables are the operator's). It is idempotent, and it
// never drops or alters existing data.
func (s *Store) EnsureSchema(ctx context.Context) error {
	switch s.Dialect {
	case SQLite:
		if err := s.execScript(ctx, SchemaSQL(SQLite)); err != nil {
			return err
		}
		if err := s.addRecordIDColumn(ctx); err != nil {
			return err
		}
		if err := s.execScript(ctx, ChangesSQL(SQLite)); err != nil {
			return err
		}
		return s.upgradeSQLiteTriggers(ctx)
	case MySQL:
		// One connection: the script keeps a prepared statement in the
		// session between its statements.
		conn, err := s.DB.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		created, err := s.ensureChanges(ctx, conn)
		if err == nil {
			s.Unverified, err = s.verifyMySQL(ctx)
		}
		if err != nil {
			// Triggers we just made that would fail must not stay: every
			// write of PowerDNS and the panels would fail with them.
			for _, name := range created {
				conn.ExecContext(context.WithoutCancel(ctx), `DROP TRIGGER IF EXISTS `+name)
			}
			return Classify(MySQL, err)
		}
		return nil
	case Postgres:
		// PostgreSQL's DDL is transactional: the change log, its functions
		// and triggers appear together, or not at all; and not at all when
		// they would fail (verifyPostgres, in the same transaction).
		tx, err := s.DB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err = s.ensureChanges(ctx, tx); err == nil {
			s.Unverified, err = s.verifyPostgres(ctx, tx)
		}
		if err != nil {
			tx.Rollback()
			return Classify(Postgres, err)
		}
		return tx.Commit()
	}
	return fmt.Errorf("unknown dialect %q", s.Dialect)
}

// execQuerier is what ensureChanges needs of a *sql.DB or a *sql.Tx.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ensureChanges runs changes.mysql.sql or changes.postgres.sql but keeps
// triggers that exist: dropping and re-creating them on every start would, for
// an instant, let a write go unnoticed by the other nodes. It returns the
// triggers it created. On MySQL, before creating the first, it checks that
// this account, their definer, may insert into hostdns_changes: triggers that
// cannot would make every write to records fail.
func (s *Store) ensureChanges(ctx context.Context, db queryer) (created []string, err error) {
	return s.ensureScript(ctx, db, ChangesSQL(s.Dialect))
}

// ensureScript runs a script of tables, functions and triggers as
// ensureChanges does.
func (s *Store) ensureScript(ctx context.Context, db queryer, script string) (created []string, err error) {
	probed := s.Dialect != MySQL
	for _, stmt := range SplitStatements(script) {
		upper := strings.ToUpper(stmt)
		if strings.HasPrefix(upper, "DROP TRIGGER") {
			continue
		}
		if strings.HasPrefix(upper, "CREATE TRIGGER") {
			f := strings.Fields(stmt)
			name := f[2]
			q, args := `SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = ?`, []any{name}
			if s.Dialect == Postgres {
				// Trigger names are per table there: the one named after ON,
				// found through the search path as the CREATE would find it.
				q, args = `SELECT COUNT(*) FROM pg_trigger WHERE tgname::text = ? AND tgrelid = to_regclass(?)`, []any{name, wordAfter(f, "ON")}
			}
			var n int
			if err := db.QueryRowContext(ctx, s.Dialect.Rebind(q), args...).Scan(&n); err != nil {
				return created, fmt.Errorf("checking trigger %s: %w", name, err)
			}
			if n > 0 {
				if s.Dialect == MySQL {
					if err := s.upgradeMySQLTrigger(ctx, db, name, stmt); err != nil {
						return created, err
					}
				}
				continue
			}
			if !probed {
				probed = true
				var me string
				if err := db.QueryRowContext(ctx, `SELECT CURRENT_USER()`).Scan(&me); err != nil {
					return created, err
				}
				if err := insertProbe(ctx, db); err != nil {
					return created, triggerError(err, me)
				}
			}
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return created, fmt.Errorf("schema statement %.60q: %w", stmt, err)
			}
			created = append(created, name)
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return created, fmt.Errorf("schema statement %.60q: %w", stmt, err)
		}
	}
	return created, nil
}

// upgradeMySQLTrigger replaces a record trigger written before the change
// log had record_id. MariaDB replaces a trigger atomically; on MySQL, which
// cannot, the old trigger is kept (a write between a DROP and a CREATE would
// go unlogged) and LegacyTriggers is set.
func (s *Store) upgradeMySQLTrigger(ctx context.Context, db queryer, name, create string) error {
	if !strings.Contains(create, "record_id") {
		return nil
	}
	var body, version string
	q := `SELECT ACTION_STATEMENT, VERSION() FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = ?`
	if err := db.QueryRowContext(ctx, q, name).Scan(&body, &version); err != nil {
		return fmt.Errorf("checking trigger %s: %w", name, err)
	}
	if strings.Contains(body, "record_id") {
		return nil
	}
	if !strings.Contains(strings.ToLower(version), "mariadb") {
		s.LegacyTriggers = true
		return nil
	}
	replace := "CREATE OR REPLACE" + strings.TrimSpace(create)[len("CREATE"):]
	if _, err := db.ExecContext(ctx, replace); err != nil {
		return fmt.Errorf("upgrading trigger %s: %w", name, err)
	}
	return nil
}

// addRecordIDColumn adds record_id to an SQLite change log made before it
// existed; SQLite has no ADD COLUMN IF NOT EXISTS.
func (s *Store) addRecordIDColumn(ctx context.Context) error {
	var tables, cols int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'hostdns_changes'`).Scan(&tables); err != nil {
		return err
	}
	if tables == 0 {
		return nil // the script creates it with the column
	}
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('hostdns_changes') WHERE name = 'record_id'`).Scan(&cols); err != nil {
		return err
	}
	if cols > 0 {
		return nil
	}
	_, err := s.DB.ExecContext(ctx, `ALTER TABLE hostdns_changes ADD COLUMN record_id INTEGER DEFAULT NULL`)
	return err
}

// upgradeSQLiteTriggers replaces, in one transaction, record triggers written
// before the change log had record_id ("IF NOT EXISTS" kept them).
func (s *Store) upgradeSQLiteTriggers(ctx context.Context) error {
	rows, err := s.DB.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'hostdns_records_%' AND sql NOT LIKE '%record_id%'`)
	if err != nil {
		return err
	}
	var legacy []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		legacy = append(legacy, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(legacy) == 0 {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, name := range legacy {
			if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+name); err != nil {
				return err
			}
		}
		for _, stmt := range SplitStatements(ChangesSQL(SQLite)) {
			if strings.HasPrefix(strings.ToUpper(stmt), "CREATE TRIGGER") {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("upgrading triggers: %w", err)
				}
			}
		}
		return nil
	})
}

// wordAfter returns the word that follows the first key (any case) in f.
func wordAfter(f []string, key string) string {
	for i := 0; i+1 < len(f); i++ {
		if strings.EqualFold(f[i], key) {
			return f[i+1]
		}
	}
	return ""
}

// CreatePowerDNSSchema creates the PowerDNS tables and the change log in a
// MySQL or PostgreSQL database that has none, for tests and new
// installations.
func (s *Store) CreatePowerDNSSchema(ctx context.Context) error {
	if s.Dialect == MySQL || s.Dialect == Postgres {
		if err := s.execScript(ctx, SchemaSQL(s.Dialect)); err != nil {
			return err
		}
	}
	return s.EnsureSchema(ctx)
}

// ExecScript runs every statement of an SQL script in order, in one
// transaction, for seeding a database from a .sql file.
func (s *Store) ExecScript(ctx context.Context, script string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return execStatements(ctx, tx, script) })
}

// execStatements runs every statement of script in tx, but those that begin
// or end a transaction: the script runs in tx.
func execStatements(ctx context.Context, tx *sql.Tx, script string) error {
	for _, stmt := range SplitStatements(script) {
		if isTxControl(stmt) {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("statement %.80q: %w", stmt, err)
		}
	}
	return nil
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
// yet, or has no domains table, it is given the schema and, if seedFile is not
// empty, filled by running that SQL file. An existing file is only given what
// of the schema it lacks, so a restart never re-seeds over the operator's
// changes. A file without PowerDNS's tables counts as new because another
// plugin on the same file (sqlsecondary) may have opened, and so created, it
// first.
//
// The schema and the seed go in one transaction: a first start stopped while
// seeding (Ctrl-C, a kill) leaves a file without PowerDNS's tables, which the
// next start seeds again, never a schema without its rows, which no later
// start would seed.
func SeedSQLite(ctx context.Context, path, seedFile string) error {
	_, err := os.Stat(path)
	created := errors.Is(err, os.ErrNotExist)
	if err != nil && !created {
		return err
	}
	s, err := Open(SQLite, path)
	if err != nil {
		return err
	}
	defer s.Close()
	fail := func(err error) error {
		s.Close()
		// Leave nothing half made behind, unless another connection holds the
		// file: removing it under that one would fail its every later write.
		if created && !IsConflict(err) {
			os.Remove(path)
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
		}
		return err
	}
	fresh, err := s.lacksDomains(ctx)
	if err != nil {
		return fail(err)
	}
	if fresh {
		err = s.createAndSeed(ctx, path, seedFile)
	} else {
		err = s.EnsureSchema(ctx)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// createAndSeed writes the schema into a database without it and runs
// seedFile, if not empty, all in one transaction. path names the database in
// errors.
func (s *Store) createAndSeed(ctx context.Context, path, seedFile string) error {
	var seed []byte
	if seedFile != "" {
		var err error
		if seed, err = os.ReadFile(seedFile); err != nil {
			return fmt.Errorf("reading seed: %w", err)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, schema := range []string{SchemaSQL(SQLite), ChangesSQL(SQLite)} {
			if err := execStatements(ctx, tx, schema); err != nil {
				return fmt.Errorf("creating the schema of %s: %w", path, err)
			}
		}
		if err := execStatements(ctx, tx, string(seed)); err != nil {
			return fmt.Errorf("seeding %s from %s: %w", path, seedFile, err)
		}
		return nil
	})
}

// lacksDomains reports whether the SQLite database has no domains table.
func (s *Store) lacksDomains(ctx context.Context) (bool, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'domains'").Scan(&n)
	return n == 0, err
}

func isTxControl(stmt string) bool {
	switch strings.ToUpper(strings.Join(strings.Fields(stmt), " ")) {
	case "BEGIN", "BEGIN TRANSACTION", "START TRANSACTION", "COMMIT", "END TRANSACTION":
		return true
	}
	return false
}

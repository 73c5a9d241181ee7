package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// The change-log triggers run on every write of PowerDNS and the control
// panels, with the rights of their definer (MySQL, MariaDB) or of the owner of
// their SECURITY DEFINER function (PostgreSQL), not with the writer's. A
// definer that cannot insert into hostdns_changes, or that was dropped, makes
// every write to records fail: a DNS server would have broken its writers.
// VerifyTriggers makes that loud at start-up instead, and EnsureSchema never
// leaves such triggers installed.

// VerifyTriggers checks that the change-log triggers exist and can write the
// log, by firing them in a transaction that is rolled back: it updates one
// records row to itself (or one domains row when records is empty) and rolls
// back, which writes nothing but runs the triggers with their definer's
// rights. That needs UPDATE on records; without it (a read-only account) the
// triggers defined by this account are checked by inserting into
// hostdns_changes itself, rolled back, and note says what could not be
// checked. A rolled-back probe uses up change ids: the readers see a hole,
// which they step over after gap_timeout, applying later changes meanwhile.
//
// The error is a *ConfigError naming the fix when the triggers are missing or
// would fail.
func (s *Store) VerifyTriggers(ctx context.Context) (note string, err error) {
	switch s.Dialect {
	case MySQL:
		return s.verifyMySQL(ctx)
	case Postgres:
		tx, err := s.DB.BeginTx(ctx, nil)
		if err != nil {
			return "", err
		}
		defer tx.Rollback() // a check only: nothing to keep
		return s.verifyPostgres(ctx, tx)
	}
	return "", nil // SQLite has no privileges: its triggers always fire
}

// mysqlTriggers returns the definer of each hostdns trigger of the current
// database, and the account we are logged in as (as a definer is written).
func (s *Store) mysqlTriggers(ctx context.Context, db queryer) (map[string]string, string, error) {
	var me string
	if err := db.QueryRowContext(ctx, `SELECT CURRENT_USER()`).Scan(&me); err != nil {
		return nil, "", err
	}
	rows, err := db.QueryContext(ctx, `SELECT TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'hostdns\_%'`)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, definer string
		if err := rows.Scan(&name, &definer); err != nil {
			return nil, "", err
		}
		out[name] = definer
	}
	return out, me, rows.Err()
}

type queryer interface {
	execQuerier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) verifyMySQL(ctx context.Context) (string, error) {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	definers, me, err := s.mysqlTriggers(ctx, conn)
	if err != nil {
		return "", Classify(MySQL, err)
	}
	// An account without TRIGGER on records and domains sees none of their
	// triggers in information_schema: none seen proves nothing.
	if len(definers) > 0 && len(definers) < 6 {
		return "", missingTriggers(MySQL, len(definers))
	}
	fired, err := fireTriggers(ctx, conn, MySQL)
	if err != nil {
		return "", triggerError(err, me)
	}
	if fired {
		return "", nil
	}
	if len(definers) == 0 {
		return "could neither see the change-log triggers (no TRIGGER on records and domains) nor fire them to test them (no UPDATE on records): not checked", nil
	}
	var others []string
	for name, d := range definers {
		if !sameAccount(d, me) {
			others = append(others, name+" (definer "+d+")")
		}
	}
	if len(others) < len(definers) {
		if err := insertProbe(ctx, conn); err != nil {
			return "", triggerError(err, me)
		}
	}
	if len(others) > 0 {
		return fmt.Sprintf("could not fire the change-log triggers to test them (no UPDATE on records): %s not checked; writes fail if their definer lacks INSERT on hostdns_changes or is dropped", strings.Join(others, ", ")), nil
	}
	return "", nil
}

// sameAccount compares accounts as MySQL writes them: user@host, each part
// perhaps quoted.
func sameAccount(a, b string) bool {
	norm := func(s string) string { return strings.NewReplacer("'", "", "`", "").Replace(s) }
	return norm(a) == norm(b)
}

// fireTriggers updates one row of records (or of domains) to itself in a
// transaction and rolls it back; the triggers must have written the log
// meanwhile. fired is false when there is no row or the account may not
// update: then nothing was tested.
func fireTriggers(ctx context.Context, db queryer, d Dialect) (fired bool, err error) {
	for _, table := range []string{"records", "domains"} {
		var id int64
		err := db.QueryRowContext(ctx, `SELECT id FROM `+table+` ORDER BY id LIMIT 1`).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, err
		}
		var logged int
		err = inRolledBack(ctx, db, d, func() error {
			var before int64
			if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM hostdns_changes`).Scan(&before); err != nil {
				return err
			}
			if _, err := db.ExecContext(ctx, d.Rebind(`UPDATE `+table+` SET id = id WHERE id = ?`), id); err != nil {
				return err
			}
			return db.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM hostdns_changes WHERE id > ?`), before).Scan(&logged)
		})
		if ownDenial(err, table) {
			return false, nil
		}
		if err == nil && logged == 0 {
			return false, missingTriggers(d, 0)
		}
		return err == nil, err
	}
	return false, nil
}

func missingTriggers(d Dialect, n int) error {
	return &ConfigError{
		Err: fmt.Errorf("%d of the 6 change-log triggers (hostdns_records_*, hostdns_domains_*) exist in this database: changes would go unseen", n),
		Fix: missingTable(d, "hostdns_changes"),
	}
}

// insertProbe inserts a row into hostdns_changes as this account and rolls it
// back: what the triggers this account defined will do.
func insertProbe(ctx context.Context, db queryer) error {
	return inRolledBack(ctx, db, MySQL, func() error {
		_, err := db.ExecContext(ctx, `INSERT INTO hostdns_changes (domain_id, record_id) VALUES (NULL, NULL)`)
		return err
	})
}

// inRolledBack runs f in a transaction that is rolled back: on MySQL with
// START TRANSACTION on one connection (db is a *sql.Conn), on PostgreSQL
// within a savepoint of the transaction db is.
func inRolledBack(ctx context.Context, db queryer, d Dialect, f func() error) error {
	begin, end := `START TRANSACTION`, `ROLLBACK`
	if d == Postgres {
		begin, end = `SAVEPOINT hostdns_probe`, `ROLLBACK TO SAVEPOINT hostdns_probe`
	}
	if _, err := db.ExecContext(ctx, begin); err != nil {
		return err
	}
	err := f()
	if _, rerr := db.ExecContext(ctx, end); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// ownDenial reports whether err is this account's own lack of UPDATE on table,
// rather than a trigger failing.
func ownDenial(err error, table string) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1142 {
		m := deniedRE.FindStringSubmatch(me.Message)
		return m != nil && m[1] == "UPDATE" && m[4] == table
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501" && strings.Contains(pe.Message, "table "+table)
}

// triggerError explains why the triggers failed, as the writers would see it;
// me is the account logged in as, to name in a GRANT.
func triggerError(err error, me string) error {
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case 1449:
			return &ConfigError{
				Err: fmt.Errorf("the change-log triggers fail, so every write to records and domains fails: %w", err),
				Fix: "create that account again with INSERT on hostdns_changes, or run changes.mysql.sql again as an account that stays (it re-creates the triggers with that definer), or drop the hostdns_* triggers",
			}
		case 1142, 1143:
			fix := grantTarget(myErr, me)
			if fix == "" {
				fix = fixOf(Classify(MySQL, err))
			}
			return &ConfigError{
				Err: fmt.Errorf("the change-log triggers cannot write hostdns_changes, so every write to records and domains would fail: %w", err),
				Fix: fix,
			}
		}
	}
	return Classify(MySQL, err)
}

// verifyPostgres checks, in tx, that the owner of each trigger function may
// insert into hostdns_changes and take ids from its sequence, then fires the
// triggers within a savepoint.
func (s *Store) verifyPostgres(ctx context.Context, tx *sql.Tx) (string, error) {
	var triggers int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_trigger WHERE tgname::text LIKE 'hostdns\_%' AND tgrelid IN (to_regclass('records'), to_regclass('domains'))`).Scan(&triggers); err != nil {
		return "", Classify(Postgres, err)
	}
	if triggers < 6 {
		return "", missingTriggers(Postgres, triggers)
	}
	rows, err := tx.QueryContext(ctx, `
SELECT p.proname::text, pg_get_userbyid(p.proowner)::text,
       has_table_privilege(p.proowner, 'hostdns_changes', 'INSERT'),
       COALESCE(has_sequence_privilege(p.proowner, pg_get_serial_sequence('hostdns_changes', 'id'), 'USAGE, UPDATE'), true),
       COALESCE(pg_get_serial_sequence('hostdns_changes', 'id'), '')
FROM pg_proc p
WHERE p.proname IN ('hostdns_records_changed', 'hostdns_domains_changed')
  AND p.pronamespace = to_regnamespace(current_schema())`)
	if err != nil {
		return "", Classify(Postgres, err)
	}
	var problems, fixes []string
	for rows.Next() {
		var fn, owner, seq string
		var ins, use bool
		if err := rows.Scan(&fn, &owner, &ins, &use, &seq); err != nil {
			rows.Close()
			return "", err
		}
		if !ins {
			problems = append(problems, fmt.Sprintf("%s() runs as %s, which may not insert into hostdns_changes", fn, owner))
			fixes = append(fixes, fmt.Sprintf("GRANT INSERT ON hostdns_changes TO %q", owner))
		}
		if !use {
			problems = append(problems, fmt.Sprintf("%s() runs as %s, which may not use the sequence %s", fn, owner, seq))
			fixes = append(fixes, fmt.Sprintf("GRANT USAGE ON SEQUENCE %s TO %q", seq, owner))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(problems) > 0 {
		return "", &ConfigError{
			Err: fmt.Errorf("the change-log triggers would fail, and with them every write to records and domains: %s", strings.Join(problems, "; ")),
			Fix: strings.Join(dedup(fixes), "; "),
		}
	}
	// Not fired (no UPDATE on records) is no doubt left: the owners'
	// privileges, checked above, are what the functions run with.
	_, err = fireTriggers(ctx, tx, Postgres)
	if IsConfigError(err) {
		return "", err
	}
	if err != nil {
		return "", &ConfigError{
			Err: fmt.Errorf("the change-log triggers fail, and with them every write to records and domains: %w", err),
			Fix: fixOf(Classify(Postgres, err)),
		}
	}
	return "", nil
}

func fixOf(err error) string {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce.Fix
	}
	return "see docs/powerdns-migration.md for the grants hostdns needs"
}

func dedup(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

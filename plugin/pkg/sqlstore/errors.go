package sqlstore

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// ConfigError is an error that waiting cannot fix: a wrong password, a
// database or table that does not exist, a missing privilege, triggers that
// would break the writers. A server that is down or slow is not one: its
// errors are returned as they are, and the caller retries.
type ConfigError struct {
	Err error
	// Fix says what to do, in the operator's words: the GRANT to run, the
	// script to load, the DSN field to check.
	Fix string
}

func (e *ConfigError) Error() string {
	if e.Fix == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + "; fix: " + e.Fix
}

func (e *ConfigError) Unwrap() error { return e.Err }

// IsConfigError reports whether err, or an error it wraps, is a
// configuration error.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// Classify returns err as a *ConfigError when it is one by the database's own
// error code (MySQL error numbers, PostgreSQL SQLSTATEs, SQLite's messages),
// with the fix; any other error, an outage, is returned unchanged.
func Classify(d Dialect, err error) error {
	if err == nil || IsConfigError(err) {
		return err
	}
	if fix, ok := configFix(d, err); ok {
		return &ConfigError{Err: err, Fix: fix}
	}
	return err
}

func configFix(d Dialect, err error) (string, bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return mysqlFix(me)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return postgresFix(pe)
	}
	if d == SQLite {
		return sqliteFix(err.Error())
	}
	return "", false
}

// deniedRE reads MySQL's and MariaDB's error 1142 and 1143: "INSERT command
// denied to user 'hostdns'@'%' for table `pdns`.`hostdns_changes`" (MySQL
// quotes with ', MariaDB with ` and names the database too).
var deniedRE = regexp.MustCompile("^(\\w+) command denied to user ('[^']*'@'[^']*') for (?:column '[^']*' in )?table [`']?(?:([^`'.]+)[`']?\\.[`']?)?([^`']+)[`']?")

func mysqlFix(e *mysql.MySQLError) (string, bool) {
	switch e.Number {
	case 1045, 1698: // access denied (password; no password, or its plugin)
		return "check the user and password in the dsn, and that the account may connect from this host", true
	case 1044, 1049: // no access to the database; unknown database
		return "check the database name in the dsn, and that the account is granted access to it", true
	case 1142, 1143: // command denied on a table or column
		if m := deniedRE.FindStringSubmatch(e.Message); m != nil {
			return mysqlFixText(m), true
		}
		return "grant the privilege named (see docs/powerdns-migration.md for the grants hostdns needs)", true
	case 1146: // no such table
		return missingTable(MySQL, e.Message), true
	case 1054: // unknown column
		return "not a PowerDNS generic schema (4.x): load plugin/pkg/sqlstore/schema/mysql.sql's tables, or run changes.mysql.sql again to upgrade the change log", true
	case 1449: // the definer of a trigger does not exist
		return "the change-log triggers' definer was dropped, so every write to records fails: run changes.mysql.sql again as an account that stays, or drop the hostdns_* triggers (see docs/powerdns-migration.md)", true
	case 1227, 1419: // needs SUPER; binary logging and triggers
		return "grant the privilege named, or with binary logging on set log_bin_trust_function_creators = 1, or run changes.mysql.sql as a privileged account and set schema none", true
	case 1290, 1792: // server or transaction read-only
		return "the server is read-only (a replica?): point the dsn at the primary, or run changes.mysql.sql there and set schema none", true
	}
	if string(e.SQLState[:2]) == "28" { // invalid authorization, whatever the number
		return "check the user and password in the dsn, and that the account may connect from this host", true
	}
	return "", false
}

// grantTarget returns the account a GRANT for the denial e should name: the
// account logged in as (me, as CURRENT_USER() writes it: user@host) when e
// denies it, rather than the host it connected from, which e names.
func grantTarget(e *mysql.MySQLError, me string) string {
	m := deniedRE.FindStringSubmatch(e.Message)
	at := strings.LastIndexByte(me, '@')
	if m == nil || at < 0 || !strings.HasPrefix(m[2], "'"+me[:at]+"'@") {
		return ""
	}
	return strings.Replace(mysqlFixText(m), m[2], "'"+me[:at]+"'@'"+me[at+1:]+"'", 1)
}

// mysqlFixText is the GRANT that answers a denial read by deniedRE.
func mysqlFixText(m []string) string {
	table := "`" + m[4] + "`"
	if m[3] != "" {
		table = "`" + m[3] + "`." + table
	}
	fix := fmt.Sprintf("GRANT %s ON %s TO %s", m[1], table, m[2])
	if m[4] == "hostdns_changes" && m[1] != "INSERT" && m[1] != "SELECT" {
		fix += ", or run changes.mysql.sql as a privileged account and set schema none"
	}
	return fix + " (see docs/powerdns-migration.md for the grants hostdns needs)"
}

func postgresFix(e *pgconn.PgError) (string, bool) {
	switch e.Code {
	case "28P01", "28000": // wrong password; no pg_hba.conf entry or role
		return "check the user and password in the dsn, and pg_hba.conf for this host", true
	case "3D000", "3F000": // no such database; no such schema
		return "check the database name (and search_path) in the dsn", true
	case "42501": // insufficient privilege
		if strings.Contains(e.Message, "must be owner") {
			return "another role owns it: run changes.postgres.sql as that owner and set schema none, or make the hostdns role its owner (ALTER ... OWNER TO)", true
		}
		return "grant the privilege named (see docs/powerdns-migration.md for the grants hostdns needs)", true
	case "42P01", "42883": // no such table; no such function
		return missingTable(Postgres, e.Message), true
	case "42703": // no such column
		return "not a PowerDNS generic schema (4.x): load plugin/pkg/sqlstore/schema/postgres.sql's tables, or run changes.postgres.sql again to upgrade the change log", true
	case "25006": // read-only transaction
		return "the server is read-only (a standby?): point the dsn at the primary, or run changes.postgres.sql there and set schema none", true
	}
	return "", false
}

func sqliteFix(msg string) (string, bool) {
	switch {
	case strings.Contains(msg, "no such table"):
		return missingTable(SQLite, msg), true
	case strings.Contains(msg, "readonly"), strings.Contains(msg, "read-only"):
		return "the database file (or its directory, for the -wal and -shm files) is not writable by hostdns", true
	case strings.Contains(msg, "unable to open database file"), strings.Contains(msg, "file is not a database"):
		return "check the path in the dsn: the file must be an SQLite database in a directory hostdns can write", true
	}
	return "", false
}

// missingTable names the script that creates a missing table.
func missingTable(d Dialect, msg string) string {
	if strings.Contains(msg, "hostdns_changes") || strings.Contains(msg, "hostdns_") {
		return fmt.Sprintf("the change log is missing: set schema ensure (the default), run plugin/pkg/sqlstore/schema/changes.%s.sql, or with a read-only account use detect checksum", d)
	}
	return fmt.Sprintf("not a PowerDNS database: check the database name in the dsn, or load plugin/pkg/sqlstore/schema/%s.sql", d)
}

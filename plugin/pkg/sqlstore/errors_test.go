package sqlstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		err  error
		want string // "" for an outage
	}{
		{MySQL, &mysql.MySQLError{Number: 1045, Message: "Access denied for user 'h'@'10.0.0.1' (using password: YES)"}, "check the user and password"},
		{MySQL, &mysql.MySQLError{Number: 1142, Message: "INSERT command denied to user 'h'@'%' for table `pdns`.`hostdns_changes`"}, "GRANT INSERT ON `pdns`.`hostdns_changes` TO 'h'@'%'"},
		{MySQL, &mysql.MySQLError{Number: 1142, Message: "SELECT command denied to user 'h'@'localhost' for table 'records'"}, "GRANT SELECT ON `records` TO 'h'@'localhost'"},
		{MySQL, &mysql.MySQLError{Number: 1146, Message: "Table 'pdns.hostdns_changes' doesn't exist"}, "detect checksum"},
		{MySQL, &mysql.MySQLError{Number: 1146, Message: "Table 'pdns.records' doesn't exist"}, "schema/mysql.sql"},
		{MySQL, &mysql.MySQLError{Number: 1449, Message: "The user specified as a definer ('h'@'%') does not exist"}, "drop the hostdns_* triggers"},
		{MySQL, &mysql.MySQLError{Number: 9999, SQLState: [5]byte{'2', '8', '0', '0', '0'}}, "check the user and password"},
		{MySQL, &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, ""},
		{MySQL, mysql.ErrInvalidConn, ""},
		{Postgres, &pgconn.PgError{Code: "28P01"}, "check the user and password"},
		{Postgres, &pgconn.PgError{Code: "3D000"}, "check the database name"},
		{Postgres, &pgconn.PgError{Code: "42P01", Message: `relation "hostdns_changes" does not exist`}, "changes.postgres.sql"},
		{Postgres, &pgconn.PgError{Code: "57P01"}, ""}, // admin shutdown: an outage
		{SQLite, errors.New("no such table: records"), "schema/sqlite.sql"},
		{SQLite, errors.New("attempt to write a readonly database (8)"), "not writable"},
		{SQLite, errors.New("database is locked"), ""},
	} {
		err := Classify(tc.d, fmt.Errorf("wrapped: %w", tc.err))
		var ce *ConfigError
		if got := errors.As(err, &ce); got != (tc.want != "") {
			t.Errorf("%v: config error %v, want %v", tc.err, got, tc.want != "")
			continue
		}
		if ce != nil && !strings.Contains(ce.Fix, tc.want) {
			t.Errorf("%v: fix %q, want it to hold %q", tc.err, ce.Fix, tc.want)
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("%v: the driver's error is no longer wrapped", tc.err)
		}
	}
}

func TestGrantTarget(t *testing.T) {
	e := &mysql.MySQLError{Number: 1142, Message: "INSERT command denied to user 'hostdns'@'10.1.2.3' for table `pdns`.`hostdns_changes`"}
	if got, want := grantTarget(e, "hostdns@%"), "GRANT INSERT ON `pdns`.`hostdns_changes` TO 'hostdns'@'%'"; !strings.HasPrefix(got, want) {
		t.Errorf("grantTarget = %q, want %q...", got, want)
	}
	if got := grantTarget(e, "other@%"); got != "" {
		t.Errorf("grantTarget for another account = %q, want none", got)
	}
}

// FuzzClassify feeds server messages to the parsers of Classify: never a
// panic, and a config error always keeps the original error.
func FuzzClassify(f *testing.F) {
	f.Add(uint16(1142), "INSERT command denied to user 'h'@'%' for table `pdns`.`hostdns_changes`", "h@%")
	f.Add(uint16(1143), "SELECT command denied to user 'h'@'x' for column 'id' in table 'records'", "h@x")
	f.Add(uint16(1146), "Table 'a.b' doesn't exist", "")
	f.Add(uint16(1142), "command denied to user ''@'' for table ``", "@")
	f.Fuzz(func(t *testing.T, n uint16, msg, me string) {
		e := &mysql.MySQLError{Number: n, Message: msg}
		err := Classify(MySQL, e)
		if !errors.Is(err, e) {
			t.Fatal("original error lost")
		}
		grantTarget(e, me)
		sqliteFix(msg)
		postgresFix(&pgconn.PgError{Code: "42501", Message: msg})
	})
}

package sqlstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestIsConflict(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}, true},
		{fmt.Errorf("insert: %w", &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}), true},
		{&mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}, false},
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "23505"}, false},
		{errors.New("database is locked (5) (SQLITE_BUSY)"), true},
		{errors.New("connection refused"), false},
		{nil, false},
	} {
		if got := IsConflict(tc.err); got != tc.want {
			t.Errorf("IsConflict(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestIsDuplicateKey(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&mysql.MySQLError{Number: 1062, Message: "Duplicate entry '7' for key 'PRIMARY'"}, true},
		{&mysql.MySQLError{Number: 1142, Message: "INSERT command denied"}, false},
		{&pgconn.PgError{Code: "23505"}, true},
		{&pgconn.PgError{Code: "42501"}, false},
		{errors.New("UNIQUE constraint failed: hostdns_secondary_leases.domain_id (2067)"), true},
		{errors.New("no such table: hostdns_secondary_leases"), false},
		{nil, false},
	} {
		if got := IsDuplicateKey(tc.err); got != tc.want {
			t.Errorf("IsDuplicateKey(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

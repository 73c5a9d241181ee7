package sqlstore

import (
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// IsConflict reports whether err ended a transaction because another one held what it
// needed: a deadlock or lock wait timeout (MySQL/MariaDB 1213, 1205), a serialization
// failure or deadlock (PostgreSQL 40001, 40P01), a busy SQLite file. The transaction was
// rolled back whole; running it again is the fix.
func IsConflict(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked"))
}

// IsDuplicateKey reports whether err is an insert refused because the key exists (MySQL and
// MariaDB 1062, PostgreSQL 23505, SQLite's UNIQUE or PRIMARY KEY constraint).
func IsDuplicateKey(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "constraint failed")
}

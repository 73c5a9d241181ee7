package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// SignedDomains returns the ids of the domains that have an active key in
// PowerDNS's cryptokeys table (pdnsutil secure-zone): PowerDNS signs them
// on the fly, a reader of the records alone serves them unsigned. With ids,
// only those domains are looked at, in batches. A database without the table
// (a minimal schema) has no signed domains.
func (s *Store) SignedDomains(ctx context.Context, ids ...int64) (map[int64]bool, error) {
	const q = `SELECT DISTINCT domain_id FROM cryptokeys WHERE active`
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, s.signed(ctx, out, q)
	}
	err := inBatches(ids, func(marks string, args []any) error {
		return s.signed(ctx, out, q+` AND domain_id IN (`+marks+`)`, args...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) signed(ctx context.Context, out map[int64]bool, q string, args ...any) error {
	rows, err := s.query(ctx, q, args...)
	if isNoTable(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
	}
	return rows.Err()
}

// isNoTable reports whether err says that a table does not exist.
func isNoTable(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1146 // ER_NO_SUCH_TABLE
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "42P01" // undefined_table
	}
	return strings.Contains(err.Error(), "no such table") // SQLite
}

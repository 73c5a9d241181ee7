package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// KeyRow is one row of the cryptokeys table. Its fields are those of
// pdnskeys.Row, so that pdnskeys.Row(r) converts it (this package does not
// import pdnskeys: it only reads).
type KeyRow struct {
	ID        int64
	Flags     int
	Active    bool // the column is 1 (true on PostgreSQL); NULL is false
	Published bool // likewise
	Content   string
}

// MetaRow is one row of the domainmetadata table. Its fields are those of
// pdnskeys.MetaRow.
type MetaRow struct {
	Kind    string
	Content string
}

// dnssecKinds are the domainmetadata kinds PowerDNS's DNSSEC code reads when
// it answers (dbdnsseckeeper.cc); DNSSECMetadata reads only these.
const dnssecKinds = `'NSEC3PARAM','NSEC3NARROW','PRESIGNED','SOA-EDIT','PUBLISH-CDS','PUBLISH-CDNSKEY'`

// oneOrZero selects a boolean column of cryptokeys as 1 or 0 the way PowerDNS's
// list-domain-keys-query reads it: gmysql and gsqlite3 take the column as
// text and a key is active only when it is "1" (so NULL, 0 or 2 is not);
// gpgsql turns the boolean into 1 or 0 with a CASE, NULL being 0.
func (s *Store) oneOrZero(col string) string {
	if s.Dialect == Postgres {
		return `CASE WHEN ` + col + ` THEN 1 ELSE 0 END`
	}
	return `CASE WHEN ` + col + ` = 1 THEN 1 ELSE 0 END`
}

// CryptoKeys returns the rows of the cryptokeys table by domain id, each
// domain's in id order: every domain's without ids, else those of ids (in
// batches). A database without the table has none.
func (s *Store) CryptoKeys(ctx context.Context, ids ...int64) (map[int64][]KeyRow, error) {
	q := `SELECT domain_id, id, flags, ` + s.oneOrZero("active") + `, ` + s.oneOrZero("published") +
		`, content FROM cryptokeys WHERE domain_id IS NOT NULL`
	out := map[int64][]KeyRow{}
	scan := func(rows *sql.Rows) error {
		var (
			dom, active, published int64
			r                      KeyRow
			content                sql.NullString
		)
		if err := rows.Scan(&dom, &r.ID, &r.Flags, &active, &published, &content); err != nil {
			return err
		}
		r.Active, r.Published, r.Content = active == 1, published == 1, content.String
		out[dom] = append(out[dom], r)
		return nil
	}
	if err := s.byDomain(ctx, q, scan, ids); err != nil {
		return nil, err
	}
	return out, nil
}

// DNSSECMetadata returns the domainmetadata rows of the DNSSEC kinds by
// domain id, each domain's in id order (PowerDNS uses the first row of a
// kind): every domain's without ids, else those of ids (in batches). A
// database without the table has none. The kinds are matched by the
// database's collation (case-insensitive on MySQL and SQLite); PowerDNS
// itself matches them exactly, which pdnskeys does.
func (s *Store) DNSSECMetadata(ctx context.Context, ids ...int64) (map[int64][]MetaRow, error) {
	return s.metadataOfKinds(ctx, dnssecKinds, ids)
}

// metadataOfKinds returns the domainmetadata rows of kinds (a quoted SQL
// list) by domain id, each domain's in id order.
func (s *Store) metadataOfKinds(ctx context.Context, kinds string, ids []int64) (map[int64][]MetaRow, error) {
	q := `SELECT domain_id, kind, content FROM domainmetadata WHERE domain_id IS NOT NULL AND kind IN (` + kinds + `)`
	out := map[int64][]MetaRow{}
	scan := func(rows *sql.Rows) error {
		var (
			dom           int64
			kind, content sql.NullString
		)
		if err := rows.Scan(&dom, &kind, &content); err != nil {
			return err
		}
		out[dom] = append(out[dom], MetaRow{Kind: kind.String, Content: content.String})
		return nil
	}
	if err := s.byDomain(ctx, q, scan, ids); err != nil {
		return nil, err
	}
	return out, nil
}

// byDomain runs q (which has a WHERE clause) for all domains or, in batches,
// for ids, ordered by domain and row id, calling scan for each row. A missing
// table is no rows.
func (s *Store) byDomain(ctx context.Context, q string, scan func(*sql.Rows) error, ids []int64) error {
	const order = ` ORDER BY domain_id, id`
	if len(ids) == 0 {
		return s.scanAll(ctx, q+order, scan)
	}
	return inBatches(ids, func(marks string, args []any) error {
		return s.scanAll(ctx, q+` AND domain_id IN (`+marks+`)`+order, scan, args...)
	})
}

func (s *Store) scanAll(ctx context.Context, q string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := s.query(ctx, q, args...)
	if isNoTable(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
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

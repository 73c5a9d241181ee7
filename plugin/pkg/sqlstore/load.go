package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/miekg/dns"
)

// Domain is one row of the domains table.
type Domain struct {
	ID   int64
	Name string // canonical: lower case, fully qualified
}

// ZoneName returns the canonical zone name for a domains.name value, which
// PowerDNS stores without the trailing dot.
func ZoneName(name string) string {
	return dns.CanonicalName(fqdn(strings.TrimSpace(name)))
}

const recordColumns = `id, domain_id, name, type, content, ttl, prio, disabled`

// enabled selects the rows to serve. PowerDNS's own queries say
// "disabled = 0" (gmysql, gsqlite3) and "disabled = false" (gpgsql, where the
// column is a boolean that does not compare with a number), so a NULL there
// is not served by either server.
func (s *Store) enabled() string {
	if s.Dialect == Postgres {
		return `disabled = false`
	}
	return `disabled = 0`
}

// Domains returns every domain.
func (s *Store) Domains(ctx context.Context) ([]Domain, error) {
	rows, err := s.query(ctx, `SELECT id, name FROM domains`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Domain
	for rows.Next() {
		var d Domain
		if err := rows.Scan(&d.ID, &d.Name); err != nil {
			return nil, err
		}
		d.Name = ZoneName(d.Name)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Domain returns the domain with id, or ok false when there is none.
func (s *Store) Domain(ctx context.Context, id int64) (d Domain, ok bool, err error) {
	err = s.queryRow(ctx, `SELECT id, name FROM domains WHERE id = ?`, id).Scan(&d.ID, &d.Name)
	if err == sql.ErrNoRows {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	d.Name = ZoneName(d.Name)
	return d, true, nil
}

// ZoneRows returns the enabled rows of one domain. Disabled rows are left in
// the database: they are not served (a disabled SOA leaves the zone with no
// SOA, which its caller treats as "zone not served").
func (s *Store) ZoneRows(ctx context.Context, domainID int64) ([]Row, error) {
	var out []Row
	err := s.scanRows(ctx, func(r Row) error { out = append(out, r); return nil },
		`SELECT `+recordColumns+` FROM records WHERE domain_id = ? AND `+s.enabled(), domainID)
	return out, err
}

// RowsByID returns the enabled rows among ids, of any domain: what a change
// log naming these records leaves of them. A row deleted or disabled since is
// simply not returned. The ids are asked for in batches, so the statement
// stays small whatever their number.
func (s *Store) RowsByID(ctx context.Context, ids []int64) ([]Row, error) {
	var out []Row
	err := inBatches(ids, func(marks string, args []any) error {
		return s.scanRows(ctx, func(r Row) error { out = append(out, r); return nil },
			`SELECT `+recordColumns+` FROM records WHERE id IN (`+marks+`) AND `+s.enabled(), args...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// idBatch is how many ids one "IN (...)" list holds, so a statement stays small whatever
// the number of ids.
const idBatch = 500

// inBatches calls fn with the placeholders and arguments of ids, at most idBatch at a time.
func inBatches(ids []int64, fn func(marks string, args []any) error) error {
	for len(ids) > 0 {
		n := min(len(ids), idBatch)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		if err := fn(strings.TrimSuffix(strings.Repeat("?,", n), ","), args); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// AllRows calls fn for every enabled row of every domain, ordered by
// domain_id, streaming so that memory does not hold the result set twice.
func (s *Store) AllRows(ctx context.Context, fn func(Row) error) error {
	return s.scanRows(ctx, fn, `SELECT `+recordColumns+` FROM records WHERE `+s.enabled()+` ORDER BY domain_id`)
}

func (s *Store) scanRows(ctx context.Context, fn func(Row) error, query string, args ...any) error {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r                  Row
			dom, ttl, prio     sql.NullInt64
			name, typ, content sql.NullString
			disabled           sql.NullBool
		)
		if err := rows.Scan(&r.ID, &dom, &name, &typ, &content, &ttl, &prio, &disabled); err != nil {
			return err
		}
		r.DomainID, r.Name, r.Type, r.Content = dom.Int64, name.String, typ.String, content.String
		r.TTL = -1
		if ttl.Valid {
			r.TTL = ttl.Int64
		}
		r.Prio, r.Disabled = prio.Int64, disabled.Bool
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

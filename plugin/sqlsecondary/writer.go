package sqlsecondary

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// write stores p as domain id's records in one transaction, if this node
// still holds the zone's lease: a reader (every node's sqlbackend) sees the
// old zone or the new one, never a part of each, and a node killed halfway
// leaves nothing. AXFR replaces every record; IXFR deletes and adds each
// difference, and fails with reasonIXFRMismatch when a deleted record is
// not there (the caller then transfers the whole zone). last_check is
// written with the records when it is due (touchLastCheck).
func (s *Secondary) write(ctx context.Context, id int64, zone string, p *pulled, now time.Time) error {
	rows, err := toRows(zone, p)
	if err != nil {
		return err
	}
	tx, err := s.db.DB.BeginTx(ctx, nil)
	if err != nil {
		return errorf(reasonDatabase, "%v", err)
	}
	defer tx.Rollback()
	if err := s.lease.confirm(ctx, tx, id, now); err != nil {
		return err
	}
	// Another node may have written a newer copy before our lease.
	if cur, err := s.db.currentSOA(ctx, tx, zone, id); err != nil {
		return errorf(reasonDatabase, "%v", err)
	} else if cur != nil && !newer(p.soa.Serial, cur.Serial) {
		return nil
	}
	insert := func(rows []sqlstore.Row) error { return s.insertRows(ctx, tx, id, rows) }
	switch p.kind {
	case kindAXFR:
		if _, err := tx.ExecContext(ctx, s.db.Dialect.Rebind(`DELETE FROM records WHERE domain_id = ?`), id); err != nil {
			return errorf(reasonDatabase, "%v", err)
		}
		if err := insert(rows[0].add); err != nil {
			return err
		}
	case kindIXFR:
		if err := s.applyDiffs(ctx, tx, id, rows, insert); err != nil {
			return err
		}
	}
	if err := s.db.touchLastCheck(ctx, tx, id, now, lastCheckEvery(p.soa)); err != nil {
		return errorf(reasonDatabase, "%v", err)
	}
	if err := tx.Commit(); err != nil {
		return errorf(reasonDatabase, "%v", err)
	}
	return nil
}

// rowDiff is a diff as records rows.
type rowDiff struct {
	del, add []sqlstore.Row
}

// toRows converts what was pulled into rows, refusing a record that would
// not read back to itself: the zone served would not be the primary's.
func toRows(zone string, p *pulled) ([]rowDiff, error) {
	conv := func(rrs []dns.RR) ([]sqlstore.Row, error) {
		out := make([]sqlstore.Row, 0, len(rrs))
		for _, rr := range rrs {
			r := sqlstore.FromRR(rr)
			back, err := sqlstore.ToRR(zone, r)
			if err != nil || back == nil || !sameWire(rr, back) {
				return nil, errorf(reasonMalformed, "record %s %s cannot be stored the PowerDNS way", rr.Header().Name, dns.TypeToString[rr.Header().Rrtype])
			}
			out = append(out, r)
		}
		return out, nil
	}
	if p.kind == kindAXFR {
		add, err := conv(p.full)
		return []rowDiff{{add: add}}, err
	}
	out := make([]rowDiff, 0, len(p.diffs))
	for _, d := range p.diffs {
		del, err := conv(d.del)
		if err != nil {
			return nil, err
		}
		add, err := conv(d.add)
		if err != nil {
			return nil, err
		}
		out = append(out, rowDiff{del: del, add: add})
	}
	return out, nil
}

// applyDiffs applies each difference in order, then checks the zone's size.
func (s *Secondary) applyDiffs(ctx context.Context, tx *sql.Tx, id int64, diffs []rowDiff, insert func([]sqlstore.Row) error) error {
	del, err := tx.PrepareContext(ctx, s.db.Dialect.Rebind(`DELETE FROM records WHERE domain_id = ? AND name = ? AND type = ? AND content = ? AND COALESCE(prio, 0) = ?`))
	if err != nil {
		return errorf(reasonDatabase, "%v", err)
	}
	defer del.Close()
	for _, d := range diffs {
		for _, r := range d.del {
			res, err := del.ExecContext(ctx, id, r.Name, r.Type, r.Content, r.Prio)
			if err != nil {
				return errorf(reasonDatabase, "%v", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return errorf(reasonIXFRMismatch, "IXFR deletes %s %s %q, which is not stored", r.Name, r.Type, r.Content)
			}
		}
		if err := insert(d.add); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.db.Dialect.Rebind(`SELECT COUNT(*) FROM records WHERE domain_id = ?`), id).Scan(&n); err != nil {
		return errorf(reasonDatabase, "%v", err)
	}
	if n > s.cfg.maxRecords {
		return errorf(reasonTooLarge, "%d records after the IXFR, more than max_records %d", n, s.cfg.maxRecords)
	}
	return nil
}

// lastCheckEvery is how stale domains.last_check may be left: an eighth of
// the zone's expire (see touchLastCheck).
func lastCheckEvery(soa *dns.SOA) time.Duration {
	if soa == nil {
		return 0
	}
	return time.Duration(soa.Expire) * time.Second / 8
}

// insertBatch is how many rows one INSERT writes: a zone of thousands of
// records is written in tens of statements, not thousands of round trips.
const insertBatch = 100

// insertRows inserts rows as domain id's, PowerDNS's way.
func (s *Secondary) insertRows(ctx context.Context, tx *sql.Tx, id int64, rows []sqlstore.Row) error {
	tuple := `(?, ?, ?, ?, ?, ?, ` + s.db.boolean(false) + `, ` + s.db.boolean(true) + `)`
	for len(rows) > 0 {
		n := min(len(rows), insertBatch)
		var q strings.Builder
		q.WriteString(`INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES `)
		args := make([]any, 0, 6*n)
		for i, r := range rows[:n] {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(tuple)
			args = append(args, id, r.Name, r.Type, r.Content, r.TTL, r.Prio)
		}
		if _, err := tx.ExecContext(ctx, s.db.Dialect.Rebind(q.String()), args...); err != nil {
			return errorf(reasonDatabase, "%v", err)
		}
		rows = rows[n:]
	}
	return nil
}

// sameWire reports whether a and b are the same record on the wire, owner
// case aside (rows store it lower case).
func sameWire(a, b dns.RR) bool {
	a, b = dns.Copy(a), dns.Copy(b)
	a.Header().Name, b.Header().Name = dns.CanonicalName(a.Header().Name), dns.CanonicalName(b.Header().Name)
	pa, pb := make([]byte, dns.Len(a)+256), make([]byte, dns.Len(b)+256)
	na, erra := dns.PackRR(a, pa, 0, nil, false)
	nb, errb := dns.PackRR(b, pb, 0, nil, false)
	return erra == nil && errb == nil && bytes.Equal(pa[:na], pb[:nb])
}

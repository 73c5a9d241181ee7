package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// Change is one row of hostdns_changes: "record RecordID of domain DomainID
// changed", or "domain DomainID changed" as a whole when RecordID is 0.
type Change struct {
	ID       int64
	DomainID int64
	RecordID int64
	At       time.Time // commit time by the database's clock (UTC)
}

// MaxChangeID returns the newest change id, 0 for an empty log. A reader
// takes it before a full load and polls from it afterwards, so no change
// made during the load is missed (some are applied twice, which is harmless).
func (s *Store) MaxChangeID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.queryRow(ctx, `SELECT MAX(id) FROM hostdns_changes`).Scan(&id)
	return id.Int64, err
}

// MinChangeID returns the oldest change id still in the log, 0 when empty.
func (s *Store) MinChangeID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.queryRow(ctx, `SELECT MIN(id) FROM hostdns_changes`).Scan(&id)
	return id.Int64, err
}

// Changes returns up to limit changes with an id above after, oldest first.
// It is the one query every node runs on every poll; it reads the primary
// key's index only.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	at := `UNIX_TIMESTAMP(changed_at)`
	switch s.Dialect {
	case SQLite:
		at = `(julianday(changed_at) - 2440587.5) * 86400.0`
	case Postgres:
		at = `CAST(EXTRACT(EPOCH FROM changed_at) AS DOUBLE PRECISION)`
	}
	rows, err := s.query(ctx,
		`SELECT id, domain_id, record_id, `+at+` FROM hostdns_changes WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var d, r sql.NullInt64
		var at sql.NullFloat64
		if err := rows.Scan(&c.ID, &d, &r, &at); err != nil {
			return nil, err
		}
		if at.Valid {
			c.At = time.Unix(0, int64(at.Float64*1e9)).UTC()
		}
		c.DomainID = d.Int64 // 0 for a record row with no domain: ignored
		c.RecordID = r.Int64
		out = append(out, c)
	}
	return out, rows.Err()
}

// Prune deletes changes with an id below before. Every node may call it;
// deleting rows another node already deleted is harmless.
func (s *Store) Prune(ctx context.Context, before int64) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM hostdns_changes WHERE id < ?`, before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Cursor follows the change log without missing a change that commits out of
// id order. Auto-increment ids are handed out when a row is inserted, not when
// its transaction commits: a long transaction holding id 10 may commit after
// id 11 was seen. A reader that simply remembered "11" would miss 10 for good.
// Cursor therefore keeps its position at the lowest id not yet accounted for,
// remembers which ids above it it has already applied, and gives a hole up
// (as an id that was rolled back) only after GapTimeout.
type Cursor struct {
	// Pos is the id below which everything was applied or given up.
	Pos int64
	// GapTimeout is how long a hole in the ids is waited for; transactions
	// open longer than this that write zone data may be missed (until the next
	// full load).
	GapTimeout time.Duration

	seen map[int64]bool      // applied ids above Pos
	gaps map[int64]time.Time // first time a hole was noticed
}

// NewCursor returns a Cursor starting after id pos.
func NewCursor(pos int64, gapTimeout time.Duration) *Cursor {
	return &Cursor{Pos: pos, GapTimeout: gapTimeout, seen: map[int64]bool{}, gaps: map[int64]time.Time{}}
}

// Apply takes the changes a poll from Pos returned (in id order) and returns
// those new to the cursor that name a domain. It then moves Pos over every id
// now accounted for.
func (c *Cursor) Apply(changes []Change, now time.Time) []Change {
	var out []Change
	for _, ch := range changes {
		if ch.ID <= c.Pos || c.seen[ch.ID] {
			continue
		}
		c.seen[ch.ID] = true
		delete(c.gaps, ch.ID)
		if ch.DomainID != 0 {
			out = append(out, ch)
		}
	}
	// Note the holes below the highest id seen.
	var max int64
	for id := range c.seen {
		if id > max {
			max = id
		}
	}
	for id := c.Pos + 1; id < max && len(c.gaps) < 10000; id++ {
		if !c.seen[id] {
			if _, ok := c.gaps[id]; !ok {
				c.gaps[id] = now
			}
		}
	}
	for {
		next := c.Pos + 1
		if c.seen[next] {
			delete(c.seen, next)
			c.Pos = next
			continue
		}
		if t, ok := c.gaps[next]; ok && now.Sub(t) >= c.GapTimeout {
			delete(c.gaps, next)
			c.Pos = next
			continue
		}
		break
	}
	return out
}

// Waiting reports how many holes the cursor waits for.
func (c *Cursor) Waiting() int { return len(c.gaps) }

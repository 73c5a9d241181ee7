package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// Fingerprint sums up one zone's rows, so that a reader with no change log
// (an account that may not add triggers) can tell which zones changed by
// comparing fingerprints taken at intervals.
//
// Rows and MaxID catch inserts and deletes (PowerDNS's API replaces a zone's
// rows with new ones); Sum, the sum over the zone's rows of a 32-bit hash of
// every column served, catches an UPDATE in place, which control panels do and
// which changes neither. Name catches a renamed zone. A sum is blind to order,
// and the row id is in each hash, so two rows swapping contents still change
// it; two changes that cancel out in the sum are a 1 in 2^32 chance.
type Fingerprint struct {
	Name  string
	Rows  int64
	MaxID int64
	Sum   int64
}

// rowHash is, per dialect, the hash of one records row: CRC32 on MySQL and
// MariaDB, hashtext (PostgreSQL's internal string hash, in every release since
// 8.x) on PostgreSQL. NULLs are written as '~' so that they keep their place.
var rowHash = map[Dialect]string{
	MySQL: `CRC32(CONCAT_WS('|', id, COALESCE(name, '~'), COALESCE(type, '~'), COALESCE(content, '~'),
		COALESCE(ttl, '~'), COALESCE(prio, '~'), COALESCE(disabled, '~'), COALESCE(auth, '~')))`,
	Postgres: `hashtext(concat_ws('|', id, COALESCE(name, '~'), COALESCE(type, '~'), COALESCE(content, '~'),
		COALESCE(ttl::text, '~'), COALESCE(prio::text, '~'), COALESCE(disabled::text, '~'), COALESCE(auth::text, '~')))`,
}

// Fingerprints returns the fingerprint of every domain, by domains.id: one
// scan of records (grouped by domain_id) and one of domains. Its cost grows
// with the number of records (see docs/sqlbackend.md for measurements).
func (s *Store) Fingerprints(ctx context.Context) (map[int64]Fingerprint, error) {
	hash, ok := rowHash[s.Dialect]
	if !ok {
		return nil, fmt.Errorf("fingerprints: not supported on %s", s.Dialect)
	}
	sum := `SUM(` + hash + `)`
	if s.Dialect == MySQL {
		sum = `CAST(SUM(` + hash + `) AS SIGNED)` // SUM of integers is a DECIMAL there
	}
	rows, err := s.query(ctx, `SELECT domain_id, COUNT(*), COALESCE(MAX(id), 0), COALESCE(`+sum+`, 0) FROM records GROUP BY domain_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]Fingerprint{}
	for rows.Next() {
		var id sql.NullInt64
		var f Fingerprint
		if err := rows.Scan(&id, &f.Rows, &f.MaxID, &f.Sum); err != nil {
			return nil, err
		}
		if id.Valid { // rows of no domain are never served
			out[id.Int64] = f
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	doms, err := s.Domains(ctx)
	if err != nil {
		return nil, err
	}
	known := make(map[int64]bool, len(doms))
	for _, d := range doms {
		f := out[d.ID]
		f.Name = d.Name
		out[d.ID] = f
		known[d.ID] = true
	}
	for id := range out {
		if !known[id] {
			delete(out, id) // records of a deleted domain: not served either
		}
	}
	return out, nil
}

// CheckTables reads one row of domains and records with the columns the
// loads read, and of hostdns_changes when changeLog is set, so that a missing
// table, column or privilege shows as a *ConfigError before the first load.
func (s *Store) CheckTables(ctx context.Context, changeLog bool) error {
	qs := []string{`SELECT id, name FROM domains LIMIT 1`, `SELECT ` + recordColumns + ` FROM records LIMIT 1`}
	if changeLog {
		qs = append(qs, `SELECT id, domain_id, record_id, changed_at FROM hostdns_changes ORDER BY id DESC LIMIT 1`)
	}
	for _, q := range qs {
		rows, err := s.query(ctx, q)
		if err == nil {
			err = rows.Close()
		}
		if err != nil {
			return Classify(s.Dialect, err)
		}
	}
	return nil
}

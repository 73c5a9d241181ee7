package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// xfrKinds are the domainmetadata kinds that say who may transfer a zone and
// whom to NOTIFY (plugin/pkg/xfrmeta); XfrMetadata reads only these.
const xfrKinds = `'ALLOW-AXFR-FROM','ALSO-NOTIFY','TSIG-ALLOW-AXFR','AXFR-MASTER-TSIG'`

// XfrMetadata returns the domainmetadata rows of the transfer kinds by
// domain id, each domain's in id order: every domain's without ids, else
// those of ids (in batches). A database without the table has none.
func (s *Store) XfrMetadata(ctx context.Context, ids ...int64) (map[int64][]MetaRow, error) {
	return s.metadataOfKinds(ctx, xfrKinds, ids)
}

// TSIGKeyRow is one row of the tsigkeys table, as stored.
type TSIGKeyRow struct {
	Name      string
	Algorithm string
	Secret    string
}

// nameBatch bounds the names of one TSIGKeys query.
const nameBatch = 500

// TSIGKeys returns the tsigkeys rows named names, in id order: every row
// without names. Names match without regard to case or a trailing dot, as
// PowerDNS compares them as domain names (the table may hold "xfr-key" or
// "xfr-key."); pass them lower case without the dot. A database without the
// table has none.
func (s *Store) TSIGKeys(ctx context.Context, names ...string) ([]TSIGKeyRow, error) {
	var out []TSIGKeyRow
	scan := func(rows *sql.Rows) error {
		var name, alg, secret sql.NullString
		if err := rows.Scan(&name, &alg, &secret); err != nil {
			return err
		}
		out = append(out, TSIGKeyRow{Name: name.String, Algorithm: alg.String, Secret: secret.String})
		return nil
	}
	const sel = `SELECT name, algorithm, secret FROM tsigkeys`
	if len(names) == 0 {
		return out, s.scanAll(ctx, sel+` ORDER BY id`, scan)
	}
	for len(names) > 0 {
		n := min(len(names), nameBatch)
		args := make([]any, n)
		for i, name := range names[:n] {
			args[i] = name
		}
		marks := strings.TrimSuffix(strings.Repeat("?,", n), ",")
		if err := s.scanAll(ctx, sel+` WHERE `+s.bareName("name")+` IN (`+marks+`) ORDER BY id`, scan, args...); err != nil {
			return nil, err
		}
		names = names[n:]
	}
	return out, nil
}

// bareName is the SQL for col lower case without a trailing dot.
func (s *Store) bareName(col string) string {
	if s.Dialect == SQLite {
		return `LOWER(RTRIM(` + col + `, '.'))`
	}
	return `LOWER(TRIM(TRAILING '.' FROM ` + col + `))`
}

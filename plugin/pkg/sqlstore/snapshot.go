package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// A snapshot is a local SQLite file holding a copy of another database's
// domains and enabled records, in the same schema and with the same ids, so
// that its zones can be read with the same calls (Domains, ZoneRows) while
// that database is unreachable. It has no change log: nothing reads one.

// OpenSnapshot opens (creating it if needed) the snapshot file at path.
func OpenSnapshot(ctx context.Context, path string) (*Store, error) {
	s, err := Open(SQLite, path)
	if err != nil {
		return nil, err
	}
	if err := s.execScript(ctx, SchemaSQL(SQLite)); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// CopyAll replaces everything in the snapshot s by the domains and enabled
// records of from, in one transaction: a reader sees the old copy or the new
// one, never half of each.
func (s *Store) CopyAll(ctx context.Context, from *Store) error {
	doms, err := from.Domains(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM records`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM domains`); err != nil {
			return err
		}
		for _, d := range doms {
			if err := insertDomain(ctx, tx, d); err != nil {
				return err
			}
		}
		return insertRows(ctx, tx, func(put func(Row) error) error { return from.AllRows(ctx, put) })
	})
}

// ReplaceZone makes the snapshot's copy of domain d hold rows, and nothing
// else under d's id or name.
func (s *Store) ReplaceZone(ctx context.Context, d Domain, rows []Row) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// The zone may also be there under another id: deleted and created
		// again in the database.
		if err := deleteDomainID(ctx, tx, d.ID); err != nil {
			return err
		}
		if err := deleteDomainName(ctx, tx, snapshotName(d.Name)); err != nil {
			return err
		}
		if err := insertDomain(ctx, tx, d); err != nil {
			return err
		}
		return insertRows(ctx, tx, func(put func(Row) error) error {
			for _, r := range rows {
				if err := put(r); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// ReplaceRows makes the snapshot's copy of the records ids of domain id what
// rows (the database's enabled rows among ids, of any domain, as RowsByID
// returns them) say: a copy of domain id's that is gone, disabled or moved
// away is deleted, a row now of domain id is written. Rows of other domains
// are left to those domains' own changes. Writes are by id, so the order in
// which the changes of two domains that swapped a row are written does not
// matter.
func (s *Store) ReplaceRows(ctx context.Context, id int64, ids []int64, rows []Row) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		del, err := tx.PrepareContext(ctx, `DELETE FROM records WHERE id = ? AND domain_id = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, rid := range ids {
			if _, err := del.ExecContext(ctx, rid, id); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, strings.Replace(insertRecord, "INSERT INTO", "INSERT OR REPLACE INTO", 1))
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, r := range rows {
			if r.DomainID != id {
				continue
			}
			if err := execRecord(ctx, ins, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteZone removes domain id and its records from the snapshot.
func (s *Store) DeleteZone(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return deleteDomainID(ctx, tx, id) })
}

func (s *Store) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// insertRows writes every row that each gives, through one prepared statement.
func insertRows(ctx context.Context, tx *sql.Tx, each func(put func(Row) error) error) error {
	ins, err := tx.PrepareContext(ctx, insertRecord)
	if err != nil {
		return err
	}
	defer ins.Close()
	return each(func(r Row) error { return execRecord(ctx, ins, r) })
}

const insertRecord = `INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1)`

func execRecord(ctx context.Context, ins *sql.Stmt, r Row) error {
	var ttl, typ any = r.TTL, r.Type
	if r.TTL < 0 {
		ttl = nil
	}
	if r.Type == "" {
		typ = nil // an empty non-terminal row stays one
	}
	_, err := ins.ExecContext(ctx, r.ID, r.DomainID, r.Name, typ, r.Content, ttl, r.Prio)
	return err
}

func insertDomain(ctx context.Context, tx *sql.Tx, d Domain) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO domains (id, name, type) VALUES (?, ?, 'NATIVE')`, d.ID, snapshotName(d.Name))
	return err
}

// deleteDomainID removes domain id and every record of that id, even one
// whose domain row is missing (the database it was copied from may hold such).
func deleteDomainID(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE domain_id = ?`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM domains WHERE id = ?`, id)
	return err
}

// deleteDomainName removes the domain named name (as stored: "" is the root)
// and its records.
func deleteDomainName(ctx context.Context, tx *sql.Tx, name string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE domain_id IN (SELECT id FROM domains WHERE name = ?)`, name); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM domains WHERE name = ?`, name)
	return err
}

// snapshotName stores a canonical zone name as PowerDNS does, without the
// trailing dot; ZoneName puts it back when the snapshot is read.
func snapshotName(zone string) string {
	if zone == "." {
		return ""
	}
	return strings.TrimSuffix(zone, ".")
}

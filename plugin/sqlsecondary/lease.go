package sqlsecondary

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// The transfer lease: one row per zone in hostdns_secondary_leases, in the
// zones' own database. A node transfers a zone only while its row names the
// node and has not expired; the row is taken with a conditional UPDATE
// (expired, or already ours) or, when there is none, an INSERT that the
// primary key makes fail if another node inserted first. The database,
// which every node already shares, is the arbiter: no Redis is needed, and
// the lease and the records it guards live and fail together.
//
// Expiry times are the nodes' clocks in unix milliseconds: nodes must keep
// their clocks in step (NTP) to well within the lease's length.
const leaseTable = `CREATE TABLE IF NOT EXISTS hostdns_secondary_leases (
  domain_id BIGINT NOT NULL PRIMARY KEY,
  holder    VARCHAR(255) NOT NULL,
  expires   BIGINT NOT NULL
)`

// lease takes, renews and gives back zones' leases for one node.
type lease struct {
	db     db
	holder string
	length time.Duration
}

// ensureTable creates the lease table when it is missing.
func (l lease) ensureTable(ctx context.Context) error {
	_, err := l.db.DB.ExecContext(ctx, leaseTable)
	return err
}

// acquire takes domain id's lease: ok is false when another node holds it.
func (l lease) acquire(ctx context.Context, id int64, now time.Time) (ok bool, err error) {
	until, nowMs := now.Add(l.length).UnixMilli(), now.UnixMilli()
	res, err := l.db.DB.ExecContext(ctx, l.db.Dialect.Rebind(`UPDATE hostdns_secondary_leases SET holder = ?, expires = ? WHERE domain_id = ? AND (expires < ? OR holder = ?)`),
		l.holder, until, id, nowMs, l.holder)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err == nil, err
	}
	_, err = l.db.DB.ExecContext(ctx, l.db.Dialect.Rebind(`INSERT INTO hostdns_secondary_leases (domain_id, holder, expires) VALUES (?, ?, ?)`), id, l.holder, until)
	if err == nil {
		return true, nil
	}
	// The insert fails when the row exists: another node holds the lease
	// (its expiry is in the future, or the UPDATE would have taken it). Any
	// other failure is told apart by the row being absent.
	var holder string
	var expires int64
	qerr := l.db.DB.QueryRowContext(ctx, l.db.Dialect.Rebind(`SELECT holder, expires FROM hostdns_secondary_leases WHERE domain_id = ?`), id).Scan(&holder, &expires)
	switch {
	case qerr == nil:
		// Ours when MySQL counted our UPDATE as changing nothing (it
		// reports changed rows, not matched ones: same expiry, same ms).
		return holder == l.holder && expires >= nowMs, nil
	case errors.Is(qerr, sql.ErrNoRows) && sqlstore.IsDuplicateKey(err):
		// Held by another node when we inserted, released since: it has
		// just transferred the zone, and our next check sees its copy.
		return false, nil
	}
	return false, err
}

// renew extends a lease this node holds; ok is false when it was lost.
func (l lease) renew(ctx context.Context, id int64, now time.Time) (ok bool, err error) {
	res, err := l.db.DB.ExecContext(ctx, l.db.Dialect.Rebind(`UPDATE hostdns_secondary_leases SET expires = ? WHERE domain_id = ? AND holder = ?`),
		now.Add(l.length).UnixMilli(), id, l.holder)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err == nil, err
	}
	// MySQL counts changed rows, not matched ones (see confirm).
	var holder string
	err = l.db.DB.QueryRowContext(ctx, l.db.Dialect.Rebind(`SELECT holder FROM hostdns_secondary_leases WHERE domain_id = ?`), id).Scan(&holder)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil && holder == l.holder, err
}

// confirm renews the lease inside the transaction that writes the zone:
// the write commits only if the lease was still ours, and the row stays
// locked until it does.
func (l lease) confirm(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	res, err := tx.ExecContext(ctx, l.db.Dialect.Rebind(`UPDATE hostdns_secondary_leases SET expires = ? WHERE domain_id = ? AND holder = ? AND expires >= ?`),
		now.Add(l.length).UnixMilli(), id, l.holder, now.UnixMilli())
	if err != nil {
		return errorf(reasonDatabase, "%w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	// MySQL reports changed rows: an UPDATE to the expiry already stored
	// counts 0. The row, locked by the UPDATE, tells.
	var n int
	err = tx.QueryRowContext(ctx, l.db.Dialect.Rebind(`SELECT COUNT(*) FROM hostdns_secondary_leases WHERE domain_id = ? AND holder = ? AND expires >= ?`),
		id, l.holder, now.UnixMilli()).Scan(&n)
	if err != nil {
		return errorf(reasonDatabase, "%w", err)
	}
	if n != 1 {
		return errorf(reasonLeaseLost, "the transfer lease of domain %d was lost", id)
	}
	return nil
}

// release gives a lease back so another node need not wait for its expiry.
func (l lease) release(ctx context.Context, id int64) error {
	_, err := l.db.DB.ExecContext(ctx, l.db.Dialect.Rebind(`DELETE FROM hostdns_secondary_leases WHERE domain_id = ? AND holder = ?`), id, l.holder)
	return err
}

// hold keeps domain id's lease while a transfer runs: it renews it every
// third of its length and cancels the transfer when it is lost. The
// returned stop ends the renewals and waits for them.
func (l lease) hold(ctx context.Context, id int64, cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(l.length / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				if ok, err := l.renew(ctx, id, now); err == nil && !ok {
					leases.WithLabelValues("lost").Inc()
					cancel()
					return
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

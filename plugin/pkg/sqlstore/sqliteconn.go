package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"

	"modernc.org/sqlite"
)

// sqliteBusyTimeout is how long an SQLite connection waits out another
// connection's lock: in the DSN's busy_timeout for statements, and in
// busyRetryConnector for opening, where SQLite does not wait by itself.
const sqliteBusyTimeout = 5 * time.Second

// openSQLite returns a pool whose connections retry their opening while the
// file is busy. Opening runs PRAGMA journal_mode=WAL, and two connections
// turning a brand-new file to WAL at once deadlock on its lock: SQLite then
// refuses one at once with SQLITE_BUSY, without calling the busy handler.
// That happens when plugins sharing a file (sqlbackend seeding it,
// sqlsecondary creating its lease table) start together.
func openSQLite(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(busyRetryConnector{c}), nil
}

// busyRetryConnector opens connections through Connector, again while they
// fail with a conflict, until sqliteBusyTimeout has passed or ctx is done.
type busyRetryConnector struct{ driver.Connector }

func (c busyRetryConnector) Connect(ctx context.Context) (driver.Conn, error) {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		conn, err := c.Connector.Connect(ctx)
		if err == nil || !IsConflict(err) || time.Now().After(deadline) {
			return conn, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pause):
		}
	}
}

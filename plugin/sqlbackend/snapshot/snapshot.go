// Package snapshot keeps a local SQLite copy of every zone of a database, so
// that zones not in memory can be loaded from it while the database does not
// answer.
package snapshot

import (
	"context"
	"sync"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

var log = clog.NewWithPlugin("sqlbackend")

// With max_records, zones not in memory are read from the database when
// first asked for, which fails while the database is down. The snapshot
// option keeps a local SQLite copy of every zone, written in the background
// by the feed, from which cold zones are loaded during an outage: answers
// that are as old as the outage, rather than SERVFAIL.

// maxCopiedRecords is the most changed records of one zone the snapshot
// copies one by one; past it, the zone is copied whole.
const maxCopiedRecords = 1000

// Timeouts of the copies, like the feed's own reads: a database host that
// vanished must not hold a connection of the pool forever.
const (
	copyAllTimeout  = 10 * time.Minute
	copyZoneTimeout = 10 * time.Second
)

// Timed runs one database operation of a kind (here always "snapshot"),
// timing and counting it: the plugin's metrics.
type Timed func(kind string, op func() error) error

// Snapshotter writes the copy: a full copy after each full load, then the
// zones the feed saw change. One goroutine does all writes, in the order they
// were asked for, each reading the database afresh, so a zone changed during
// a full copy is written again after it.
type Snapshotter struct {
	path  string
	st    *sqlstore.Store // the local file
	db    *sqlstore.Store // the database it copies
	timed Timed

	mu    sync.Mutex
	all   bool                      // a full copy is due
	zones map[int64]*sqlstore.Touch // zones to copy again: whole, or some of their records
	wake  chan struct{}
	ready bool // a full copy was written since start
}

// Open opens (or creates) the copy at path of database db.
func Open(path string, db *sqlstore.Store, timed Timed) (*Snapshotter, error) {
	st, err := sqlstore.OpenSnapshot(context.Background(), path)
	if err != nil {
		return nil, err
	}
	return &Snapshotter{path: path, st: st, db: db, timed: timed, zones: map[int64]*sqlstore.Touch{}, wake: make(chan struct{}, 1)}, nil
}

// Path returns the copy's file.
func (sn *Snapshotter) Path() string { return sn.path }

// CopyAll asks for a full copy; CopyZone for what t says changed in one
// zone (all of it for a nil t). Neither waits.
func (sn *Snapshotter) CopyAll() { sn.ask(func() { sn.all = true }) }

func (sn *Snapshotter) CopyZone(id int64, t *sqlstore.Touch) {
	sn.ask(func() {
		due := sn.zones[id]
		if due == nil {
			due = &sqlstore.Touch{}
			sn.zones[id] = due
		}
		if t == nil {
			due.Whole = true
			return
		}
		due.Merge(t)
	})
}

func (sn *Snapshotter) ask(f func()) {
	sn.mu.Lock()
	f()
	sn.mu.Unlock()
	select {
	case sn.wake <- struct{}{}:
	default:
	}
}

// Run writes what was asked for until ctx ends. A write that fails (the
// database went away) is asked for again and retried after a pause.
func (sn *Snapshotter) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sn.wake:
		}
		for sn.writeDue(ctx) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// writeDue writes the copies due now; it reports whether some failed.
func (sn *Snapshotter) writeDue(ctx context.Context) (failed bool) {
	sn.mu.Lock()
	all, zones := sn.all, sn.zones
	sn.all, sn.zones = false, map[int64]*sqlstore.Touch{}
	sn.mu.Unlock()

	if all {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, copyAllTimeout)
		err := sn.timed("snapshot", func() error { return sn.st.CopyAll(cctx, sn.db) })
		cancel()
		if err != nil {
			log.Warningf("Snapshot %s: full copy failed, will retry: %v", sn.path, err)
			sn.CopyAll()
			return true
		}
		sn.mu.Lock()
		first := !sn.ready
		sn.ready = true
		sn.mu.Unlock()
		if first {
			log.Infof("Snapshot %s written in %s", sn.path, time.Since(start).Round(time.Millisecond))
		}
	}
	for id, t := range zones {
		if err := sn.writeZone(ctx, id, t); err != nil {
			log.Warningf("Snapshot %s: copying domain %d failed, will retry: %v", sn.path, id, err)
			sn.CopyZone(id, t)
			failed = true
		}
	}
	return failed
}

// writeZone copies the changed records t names, read by id, or, when t
// names the whole zone or too many of its records, the whole zone.
func (sn *Snapshotter) writeZone(ctx context.Context, id int64, t *sqlstore.Touch) error {
	ctx, cancel := context.WithTimeout(ctx, copyZoneTimeout)
	defer cancel()
	if !t.Whole && len(t.Records) > 0 && len(t.Records) <= maxCopiedRecords {
		return sn.timed("snapshot", func() error {
			ids := t.IDs()
			rows, err := sn.db.RowsByID(ctx, ids)
			if err != nil {
				return err
			}
			return sn.st.ReplaceRows(ctx, id, ids, rows)
		})
	}
	return sn.timed("snapshot", func() error {
		d, ok, err := sn.db.Domain(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return sn.st.DeleteZone(ctx, id)
		}
		rows, err := sn.db.ZoneRows(ctx, id)
		if err != nil {
			return err
		}
		return sn.st.ReplaceZone(ctx, d, rows)
	})
}

// Domains reads the domains of the copy.
func (sn *Snapshotter) Domains(ctx context.Context) ([]sqlstore.Domain, error) {
	var doms []sqlstore.Domain
	err := sn.timed("snapshot", func() (err error) { doms, err = sn.st.Domains(ctx); return err })
	return doms, err
}

// ZoneRows reads a zone from the copy.
func (sn *Snapshotter) ZoneRows(ctx context.Context, id int64) ([]sqlstore.Row, error) {
	var rows []sqlstore.Row
	err := sn.timed("snapshot", func() (err error) { rows, err = sn.st.ZoneRows(ctx, id); return err })
	return rows, err
}

// Close closes the copy.
func (sn *Snapshotter) Close() { sn.st.Close() }

package sqlbackend

import (
	"context"
	"sync"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// With max_records, zones not in memory are read from the database when
// first asked for, which fails while the database is down. The snapshot
// option keeps a local SQLite copy of every zone, written in the background
// by the feed, from which cold zones are loaded during an outage: answers
// that are as old as the outage, rather than SERVFAIL.

// maxCopiedRecords is the most changed records of one zone the snapshot
// copies one by one; past it, the zone is copied whole.
const maxCopiedRecords = 1000

// snapshotter writes the copy: a full copy after each full load, then the
// zones the feed saw change. One goroutine does all writes, in the order they
// were asked for, each reading the database afresh, so a zone changed during
// a full copy is written again after it.
type snapshotter struct {
	path string
	st   *sqlstore.Store // the local file
	db   *sqlstore.Store // the database it copies

	mu    sync.Mutex
	all   bool             // a full copy is due
	zones map[int64]*touch // zones to copy again: whole, or some of their records
	wake  chan struct{}
	ready bool // a full copy was written since start
}

func newSnapshotter(path string, db *sqlstore.Store) (*snapshotter, error) {
	st, err := sqlstore.OpenSnapshot(context.Background(), path)
	if err != nil {
		return nil, err
	}
	return &snapshotter{path: path, st: st, db: db, zones: map[int64]*touch{}, wake: make(chan struct{}, 1)}, nil
}

// copyAll asks for a full copy; copyZone for what t says changed in one
// zone (all of it for a nil t). Neither waits.
func (sn *snapshotter) copyAll() { sn.ask(func() { sn.all = true }) }

func (sn *snapshotter) copyZone(id int64, t *touch) {
	sn.ask(func() {
		due := sn.zones[id]
		if due == nil {
			due = &touch{}
			sn.zones[id] = due
		}
		if t == nil {
			due.whole = true
			return
		}
		due.merge(t)
	})
}

func (sn *snapshotter) ask(f func()) {
	sn.mu.Lock()
	f()
	sn.mu.Unlock()
	select {
	case sn.wake <- struct{}{}:
	default:
	}
}

// run writes what was asked for until ctx ends. A write that fails (the
// database went away) is asked for again and retried after a pause.
func (sn *snapshotter) run(ctx context.Context) {
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
func (sn *snapshotter) writeDue(ctx context.Context) (failed bool) {
	sn.mu.Lock()
	all, zones := sn.all, sn.zones
	sn.all, sn.zones = false, map[int64]*touch{}
	sn.mu.Unlock()

	if all {
		start := time.Now()
		// Bounded like the feed's own reads: a database host that vanished
		// must not hold a connection of the pool forever.
		cctx, cancel := context.WithTimeout(ctx, loadTimeout)
		err := timed("snapshot", func() error { return sn.st.CopyAll(cctx, sn.db) })
		cancel()
		if err != nil {
			log.Warningf("Snapshot %s: full copy failed, will retry: %v", sn.path, err)
			sn.copyAll()
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
			sn.copyZone(id, t)
			failed = true
		}
	}
	return failed
}

// writeZone copies the changed records t names, read by id, or, when t
// names the whole zone or too many of its records, the whole zone.
func (sn *snapshotter) writeZone(ctx context.Context, id int64, t *touch) error {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	if !t.whole && len(t.records) > 0 && len(t.records) <= maxCopiedRecords {
		return timed("snapshot", func() error {
			ids := t.ids()
			rows, err := sn.db.RowsByID(ctx, ids)
			if err != nil {
				return err
			}
			return sn.st.ReplaceRows(ctx, id, ids, rows)
		})
	}
	return timed("snapshot", func() error {
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

// startFromSnapshot makes a source that could not load anything from the
// database serve the zones of the snapshot: the index of zone names comes
// from the copy, and, s.down being set, cold zones load from it too. The
// first full load from the database replaces that index. It reports whether
// there was a copy to serve.
func (s *source) startFromSnapshot(ctx context.Context) bool {
	if s.snap == nil || s.loaded.Load() {
		return false
	}
	var doms []sqlstore.Domain
	err := timed("snapshot", func() (err error) { doms, err = s.snap.st.Domains(ctx); return err })
	if err != nil || len(doms) == 0 {
		return false
	}
	index := make(map[int64]string, len(doms))
	for _, d := range doms {
		index[d.ID] = d.Name
	}
	s.fullLoadLazy(index)
	s.loaded.Store(true)
	return true
}

// zoneRows reads a zone from the copy.
func (sn *snapshotter) zoneRows(ctx context.Context, id int64) ([]sqlstore.Row, error) {
	var rows []sqlstore.Row
	err := timed("snapshot", func() (err error) { rows, err = sn.st.ZoneRows(ctx, id); return err })
	return rows, err
}

func (sn *snapshotter) close() { sn.st.Close() }

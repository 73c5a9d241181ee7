package sqlbackend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zoneset"
)

// Load implements feed.Consumer: it reads the index of zones and, without
// max_records, every zone, and serves them all at once. With max_records the
// zones held are dropped: they load again, fresh, when next asked for.
func (s *source) Load(ctx context.Context, answered func()) error {
	start := time.Now()
	doms, err := s.domains(ctx)
	if err != nil {
		return err
	}
	answered()
	l := s.zones.NewLoad(doms)
	if !s.zones.Evicting() {
		if err := s.readAll(ctx, l); err != nil {
			return err
		}
	}
	changed := s.zones.Install(l)
	// Before the first load counts as done: a secured zone must not be
	// answered without its denial records, which its keys switch on.
	s.loadKeys(ctx, nil)
	s.loadXfr(ctx, nil)
	if s.snap != nil {
		s.snap.CopyAll()
	}
	// No NOTIFY for the first load: with 100,000 zones it would be a flood at
	// every start, and secondaries check the SOA at their refresh time anyway.
	if first := !s.loaded.Swap(true); !first {
		s.Changed(changed)
	} else if s.zones.Evicting() {
		log.Infof("Indexed %d zones in %s; zones load on first use (max_records %d)", l.Domains(), time.Since(start).Round(time.Millisecond), s.cfg.maxRecords)
	} else {
		log.Infof("Loaded %d zones (%d records, %d bad rows skipped) in %s", l.Zones(), l.Records(), l.Bad(), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// readAll reads every row, zone after zone, into l, saying how far it got
// every progressEvery: a first load of millions of rows takes minutes, and
// an operator watching the log must see it move.
func (s *source) readAll(ctx context.Context, l *zoneset.Load) error {
	var (
		cur  int64 = -1
		rows []sqlstore.Row
		p    = newProgress(time.Now())
	)
	err := timed("load", func() error {
		return s.store.AllRows(ctx, func(r sqlstore.Row) error {
			if r.DomainID != cur {
				if cur >= 0 {
					l.Add(cur, rows)
					p.zone(l, time.Now())
				}
				cur, rows = r.DomainID, rows[:0:0]
			}
			rows = append(rows, r)
			p.rows++
			return nil
		})
	})
	if err == nil && cur >= 0 {
		l.Add(cur, rows)
	}
	return err
}

func (s *source) domains(ctx context.Context) (map[int64]string, error) {
	var out map[int64]string
	err := timed("load", func() error {
		doms, err := s.store.Domains(ctx)
		if err != nil {
			return err
		}
		out = make(map[int64]string, len(doms))
		for _, d := range doms {
			out[d.ID] = d.Name
		}
		return nil
	})
	return out, err
}

// startFromSnapshot makes a source that could not load anything from the
// database serve the zones of the snapshot: the index of zone names comes
// from the copy, and, the feed being down, cold zones load from it too. The
// first full load from the database replaces that index. It reports whether
// there was a copy to serve.
func (s *source) startFromSnapshot(ctx context.Context) bool {
	if s.snap == nil || s.loaded.Load() {
		return false
	}
	doms, err := s.snap.Domains(ctx)
	if err != nil || len(doms) == 0 {
		return false
	}
	index := make(map[int64]string, len(doms))
	for _, d := range doms {
		index[d.ID] = d.Name
	}
	s.zones.Install(s.zones.NewLoad(index))
	s.loaded.Store(true)
	return true
}

// zoneReader reads zones for the zone set: from the database, timed, or
// from the snapshot while the database is down.
type zoneReader struct{ s *source }

func (r zoneReader) Domain(ctx context.Context, id int64, withRows bool) (d sqlstore.Domain, ok bool, rows []sqlstore.Row, err error) {
	err = timed("zone", func() (err error) {
		d, ok, err = r.s.store.Domain(ctx, id)
		if err != nil || !ok || !withRows {
			return err
		}
		rows, err = r.s.store.ZoneRows(ctx, id)
		return err
	})
	return d, ok, rows, err
}

func (r zoneReader) Rows(ctx context.Context, ids []int64) (rows []sqlstore.Row, err error) {
	err = timed("zone", func() (err error) { rows, err = r.s.store.RowsByID(ctx, ids); return err })
	return rows, err
}

// Cold reads the rows of a zone that is not in memory: from the database,
// or from the snapshot when the database does not answer. During an outage
// the feed has seen, the database is not even tried: a connection to a host
// that is gone can take far longer to fail than a client waits.
func (r zoneReader) Cold(ctx context.Context, id int64) ([]sqlstore.Row, error) {
	s := r.s
	var (
		rows []sqlstore.Row
		err  error
	)
	if s.snap == nil || !s.feed.Down() {
		err = timed("zone", func() (err error) { rows, err = s.store.ZoneRows(ctx, id); return err })
		if err == nil || s.snap == nil {
			return rows, err
		}
	}
	rows, serr := s.snap.ZoneRows(ctx, id)
	if serr != nil {
		if err == nil {
			err = errors.New("database unreachable")
		}
		return nil, fmt.Errorf("%w; from the snapshot: %v", err, serr)
	}
	snapshotLoads.Inc()
	return rows, nil
}

// progressEvery is how often a full load logs how far it got.
const progressEvery = 5 * time.Second

// progress counts a full load's rows and logs counts and rates as it goes.
type progress struct {
	start, last time.Time
	rows        int
}

func newProgress(now time.Time) *progress { return &progress{start: now, last: now} }

// zone is called after each zone is built; it logs at most every progressEvery.
func (p *progress) zone(l *zoneset.Load, now time.Time) {
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	secs := now.Sub(p.start).Seconds()
	log.Infof("Loading: %d zones, %d rows read in %s (%.0f rows/s, %.0f zones/s)",
		l.Zones(), p.rows, now.Sub(p.start).Round(time.Second), float64(p.rows)/secs, float64(l.Zones())/secs)
}

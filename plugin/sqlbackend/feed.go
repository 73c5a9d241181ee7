package sqlbackend

import (
	"context"
	"sync"
	"time"

	"github.com/coredns/coredns/plugin/file"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// pollBatch bounds the changes read by one poll; a bigger backlog is read by
// polling again at once.
const pollBatch = 5000

// Timeouts of one round of the feed.
const (
	pollTimeout = 10 * time.Second
	loadTimeout = 10 * time.Minute
)

// run is the feed: a first full load, then one indexed poll of the change log
// every cfg.poll, rebuilding only the zones named there. While the database
// is unreachable the zones in memory keep answering; the feed retries with a
// backoff, logs the outage once, and resumes from its cursor when the
// database is back, so it catches up with every change it missed.
func (s *source) run() {
	defer close(s.done)
	var (
		cursor  *sqlstore.Cursor
		pending = map[int64]*touch{} // domains to patch or reload, kept across errors
		downAt  time.Time            // start of the current outage, zero when up
		backoff time.Duration
	)
	s.g.dbUp.Set(0)
	// base is cancelled on shutdown, so a query in flight does not hold it up.
	base, cancelAll := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait() // before done is closed: no goroutine outlives the source
	defer cancelAll()
	go func() {
		select {
		case <-s.stop:
			cancelAll()
		case <-base.Done():
		}
	}()
	if s.cfg.keep > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); s.pruneLoop(base) }()
	}
	if s.snap != nil {
		wg.Add(1)
		go func() { defer wg.Done(); s.snap.run(base) }()
	}
	for {
		var err error
		s.tick()
		round := time.Now()
		// A poll on a connection that hangs must not stall the feed for long;
		// a full load of a big database may take minutes.
		timeout := pollTimeout
		if cursor == nil {
			timeout = loadTimeout
		}
		ctx, cancel := context.WithTimeout(base, timeout)
		if cursor == nil {
			cursor, err = s.fullLoad(ctx)
		} else if s.checksum() {
			err = s.pollChecksum(ctx)
		} else {
			gap := false
			if !downAt.IsZero() {
				// Back from an outage: if the log was pruned past our position,
				// the changes in between are lost to us; load everything, in
				// the next round, with the full load's timeout.
				if gap, err = s.pruned(ctx, cursor); err == nil && gap {
					log.Warningf("Change log was pruned past our position %d: loading all zones again", cursor.Pos)
					cursor = nil
				}
			}
			if err == nil && !gap {
				err = s.poll(ctx, cursor, pending)
			}
		}
		cancel()
		if cursor != nil {
			s.pos.Store(cursor.Pos)
		}

		if err != nil {
			select {
			case <-s.stop:
				return
			default:
			}
			if downAt.IsZero() {
				downAt = time.Now()
				s.down.Store(true)
				s.g.dbUp.Set(0)
			}
			s.logDown(base, sqlstore.Classify(s.cfg.dialect, err))
			backoff = nextBackoff(backoff)
		} else {
			if !downAt.IsZero() {
				log.Infof("Database is back after %s", time.Since(downAt).Round(time.Millisecond))
				downAt, s.downLogged = time.Time{}, ""
				s.down.Store(false)
			}
			s.g.dbUp.Set(1)
			s.lastOK.Store(round.UnixNano())
			backoff = 0
		}

		wait := s.cfg.poll
		if backoff > 0 {
			wait = backoff
		}
		t := time.NewTimer(wait)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// nextBackoff doubles the wait between attempts up to 5 s: a database that
// is back is seen within 5 s, and one that is down is not hammered.
func nextBackoff(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return 100 * time.Millisecond
	case d >= 5*time.Second/2:
		return 5 * time.Second
	}
	return 2 * d
}

// timed runs one database operation of kind, with metrics.
func timed(kind string, f func() error) error {
	start := time.Now()
	dbQueries.WithLabelValues(kind).Inc()
	err := f()
	dbDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	if err != nil {
		dbErrors.WithLabelValues(kind).Inc()
	}
	return err
}

// fullLoad reads every zone and installs them all at once. The cursor
// position is read first: a change committed during the load is applied
// again afterwards, which is harmless, rather than missed.
func (s *source) fullLoad(ctx context.Context) (*sqlstore.Cursor, error) {
	start := time.Now()
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	pos, err := s.startPosition(ctx)
	if err != nil {
		return nil, err
	}
	doms, err := s.domains(ctx)
	if err != nil {
		return nil, err
	}
	if s.lazy() {
		// The database answered: from now on cold zones load from it, not
		// from the snapshot. Before the index is swapped, so that a load
		// racing the swap reads the database again rather than installing
		// the snapshot's copy as fresh.
		s.down.Store(false)
		changed := s.fullLoadLazy(doms)
		if s.snap != nil {
			s.snap.copyAll()
		}
		if !s.loaded.Swap(true) {
			log.Infof("Indexed %d zones in %s; zones load on first use (max_records %d)", len(doms), time.Since(start).Round(time.Millisecond), s.cfg.maxRecords)
		} else {
			s.changed(changed)
		}
		s.loadSigned(ctx)
		if s.redis != nil {
			s.redis.start()
		}
		return sqlstore.NewCursor(pos, s.cfg.gapTimeout), nil
	}
	zones := make(map[string]*file.Zone, len(doms))
	ids := make(map[int64]string, len(doms))
	recs := make(map[string]int, len(doms))
	indexes := map[string]rowIndex{}
	var (
		cur    int64 = -1
		rows   []sqlstore.Row
		bad    = map[int64]int{}
		shared = names{}
	)
	flush := func() {
		name, ok := doms[cur]
		if cur < 0 || !ok {
			return
		}
		b := buildZone(name, rows, shared)
		if b.bad > 0 {
			bad[cur] = b.bad
		}
		if b.zone == nil {
			if _, had := s.nameOf(cur); had {
				s.dropped(name)
				return
			}
			log.Warningf("Zone %s (domain %d) has no enabled SOA record: not served", name, cur)
			return
		}
		zones[name], ids[cur], recs[name] = b.zone, name, b.records
		if b.index != nil {
			indexes[name] = b.index
		}
	}
	err = timed("load", func() error {
		return s.store.AllRows(ctx, func(r sqlstore.Row) error {
			if r.DomainID != cur {
				flush()
				cur, rows = r.DomainID, rows[:0:0]
			}
			rows = append(rows, r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	flush()
	changed := s.replaceAll(zones, ids, recs, indexes, bad)
	// No NOTIFY for the first load: with 100,000 zones it would be a flood at
	// every start, and secondaries check the SOA at refresh time anyway.
	if first := !s.loaded.Swap(true); first {
		log.Infof("Loaded %d zones (%d records, %d bad rows skipped) in %s", len(zones), sum(recs), sumBad(bad), time.Since(start).Round(time.Millisecond))
	} else {
		s.changed(changed)
	}
	s.loadSigned(ctx)
	if s.redis != nil {
		s.redis.start()
	}
	return sqlstore.NewCursor(pos, s.cfg.gapTimeout), nil
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

// poll reads the change log past the cursor and patches or rebuilds the
// zones named there, each aside and then swapped in. A zone that could not be
// read stays pending and is tried again at the next poll.
func (s *source) poll(ctx context.Context, c *sqlstore.Cursor, pending map[int64]*touch) error {
	for {
		var changes []sqlstore.Change
		if err := timed("poll", func() (err error) { changes, err = s.store.Changes(ctx, c.Pos, pollBatch); return err }); err != nil {
			return err
		}
		now := time.Now()
		for _, ch := range c.Apply(changes, now) {
			t := pending[ch.DomainID]
			if t == nil {
				t = &touch{}
				pending[ch.DomainID] = t
			}
			t.add(ch)
		}
		var newest time.Time
		for _, ch := range changes {
			if ch.At.After(newest) {
				newest = ch.At
			}
		}
		var (
			changed []string
			applied []int64
		)
		for id, t := range pending {
			names, err := s.apply(ctx, id, t)
			if err != nil {
				return err
			}
			applied = append(applied, id)
			delete(pending, id)
			changed = append(changed, names...)
		}
		if len(changed) > 0 {
			s.g.changeApply.Observe(time.Since(now).Seconds())
			if !newest.IsZero() {
				s.g.changeLag.Observe(time.Since(newest).Seconds())
			}
			s.changed(changed)
			if s.redis != nil {
				s.redis.publish(c.Pos)
			}
		}
		s.checkSigned(ctx, applied) // after the publish: not on the other nodes' path
		if len(changes) < pollBatch {
			return nil
		}
	}
}

// apply brings the zone of domain id up to what the change log says of it,
// t: by a patch where it can, else by a rebuild. It returns the zone names
// whose answers changed.
func (s *source) apply(ctx context.Context, id int64, t *touch) ([]string, error) {
	if s.lazy() {
		return s.reloadLazy(ctx, id, t)
	}
	name, done, err := s.patch(ctx, id, t)
	if err != nil {
		return nil, err
	}
	if done {
		return []string{name}, nil
	}
	return s.reload(ctx, id)
}

// reload rebuilds the zone of domain id and installs it, or removes it when
// the domain is gone or has no enabled SOA. It returns the zone names whose
// answers changed.
func (s *source) reload(ctx context.Context, id int64) ([]string, error) {
	var (
		d    sqlstore.Domain
		ok   bool
		rows []sqlstore.Row
	)
	err := timed("zone", func() (err error) {
		d, ok, err = s.store.Domain(ctx, id)
		if err != nil || !ok {
			return err
		}
		rows, err = s.store.ZoneRows(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	old, had := s.nameOf(id)
	if !ok {
		s.markBad(id, 0)
		if had {
			log.Infof("Zone %s deleted", old)
			s.set(id, old, nil, 0, nil)
			return []string{old}, nil
		}
		return nil, nil
	}
	b := buildZone(d.Name, rows, nil)
	s.markBad(id, b.bad)
	if b.zone == nil {
		if z, _ := s.get(d.Name); b.badSOA && z != nil {
			// Never let one bad row empty a zone: keep serving the last good copy.
			log.Errorf("Zone %s: SOA record does not parse, keeping the zone as it was", d.Name)
			return nil, nil
		}
		if had {
			s.dropped(d.Name)
		}
		s.set(id, d.Name, nil, 0, nil)
		if had {
			return []string{old, d.Name}, nil
		}
		return nil, nil
	}
	if !had {
		log.Infof("Zone %s added", d.Name)
	}
	s.set(id, d.Name, b.zone, b.records, b.index)
	if had && old != d.Name {
		return []string{old, d.Name}, nil
	}
	return []string{d.Name}, nil
}

// pruned reports whether changes after the cursor were deleted from the log.
func (s *source) pruned(ctx context.Context, c *sqlstore.Cursor) (bool, error) {
	var oldest int64
	err := timed("poll", func() (err error) { oldest, err = s.store.MinChangeID(ctx); return err })
	return err == nil && oldest > c.Pos+1, err
}

// pruneBatch bounds the ids one DELETE covers, so pruning a large backlog
// (after a bulk import: one change per row) never holds locks for long.
const pruneBatch = 10000

// pruneLoop deletes old changes once a minute, keeping cfg.keep below our
// position so that a node a little behind still finds what it needs. It runs
// beside the feed, never delaying a poll, in batches.
func (s *source) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := s.pos.Load() - s.cfg.keep
		if before <= 0 {
			continue
		}
		var oldest int64
		if err := timed("prune", func() (err error) { oldest, err = s.store.MinChangeID(ctx); return err }); err != nil {
			continue
		}
		for oldest > 0 && oldest < before && ctx.Err() == nil {
			upto := min(oldest+pruneBatch, before)
			if err := timed("prune", func() error { _, err := s.store.Prune(ctx, upto); return err }); err != nil {
				log.Debugf("Pruning the change log: %v", err) // a read-only account cannot; fine
				break
			}
			oldest = upto
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

func sumBad(m map[int64]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

func sum(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

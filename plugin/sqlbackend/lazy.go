package sqlbackend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin/file"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

// Lazy mode (max_records set): memory is bounded by loading zones on first
// use and evicting the least recently used ones. Only the index of zone names
// is always in memory, so a name in no zone is still refused, and a name in a
// loaded zone still answered, without asking the database. The first query
// for a cold zone waits for one database round trip (two indexed queries);
// while the database is down, cold zones are read from the snapshot when
// there is one (snapshot.go), and cannot be answered (SERVFAIL) when not.

// lazyState is the part of source that only lazy mode uses; all maps are
// guarded by source.mu, loading by loadMu.
type lazyState struct {
	index  map[string]int64             // every domain by zone name
	absent map[string]bool              // in the index but without an enabled SOA
	used   map[string]*atomic.Int64     // last use of each loaded zone, coarse clock
	order  *lru.Cache[string, struct{}] // loaded zones, least recently used first
	epoch  map[string]int               // bumped by the feed, so a load racing a change is redone
	clock  atomic.Int64                 // coarse time, set by the feed: cheap on the query path
	total  int                          // records held

	loadMu  sync.Mutex
	loading map[string]*loadWait
}

func newLazyState() lazyState {
	// Sized never to evict by itself: evict does, by records held. New
	// fails only for a size below 1.
	order, _ := lru.New[string, struct{}](math.MaxInt32)
	return lazyState{index: map[string]int64{}, absent: map[string]bool{}, used: map[string]*atomic.Int64{},
		order: order, epoch: map[string]int{}, loading: map[string]*loadWait{}}
}

type loadWait struct {
	done chan struct{}
	z    *file.Zone
	err  error
}

func (s *source) lazy() bool { return s.cfg.maxRecords > 0 }

// get returns the zone named name if it is loaded; cold says it exists in
// the database but is not loaded yet.
func (s *source) get(name string) (z *file.Zone, cold bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if z, ok := s.zones[name]; ok {
		// A zone moves to the front of the LRU once per tick of the coarse
		// clock, not at every query: the LRU's lock is not on the hot path.
		if u := s.lz.used[name]; u != nil {
			if now := s.lz.clock.Load(); u.Load() != now {
				u.Store(now)
				s.lz.order.Get(name)
			}
		}
		return z, false
	}
	if !s.lazy() || s.lz.absent[name] {
		return nil, false
	}
	_, cold = s.lz.index[name]
	return nil, cold
}

// matchLazy is match for lazy mode: the longest zone that holds qname,
// loading it if it is cold.
func (s *source) matchLazy(ctx context.Context, qname string) (string, *file.Zone, error) {
	try := func(name string) (*file.Zone, error) {
		z, cold := s.get(name)
		if z != nil || !cold {
			return z, nil
		}
		return s.loadCold(ctx, name)
	}
	off := 0
	for {
		z, err := try(qname[off:])
		if err != nil || z != nil {
			return qname[off:], z, err
		}
		next, end := dns.NextLabel(qname, off)
		if end {
			break
		}
		off = next
	}
	z, err := try(".")
	if err != nil || z != nil {
		return ".", z, err
	}
	return "", nil, nil
}

// loadCold loads zone name from the database, once however many queries ask
// for it at the same time.
func (s *source) loadCold(ctx context.Context, name string) (*file.Zone, error) {
	s.lz.loadMu.Lock()
	if w, ok := s.lz.loading[name]; ok {
		s.lz.loadMu.Unlock()
		select {
		case <-w.done:
			return w.z, w.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	w := &loadWait{done: make(chan struct{})}
	s.lz.loading[name] = w
	s.lz.loadMu.Unlock()

	w.z, w.err = s.load(ctx, name)

	s.lz.loadMu.Lock()
	delete(s.lz.loading, name)
	s.lz.loadMu.Unlock()
	close(w.done)
	return w.z, w.err
}

func (s *source) load(ctx context.Context, name string) (*file.Zone, error) {
	for attempt := 0; attempt < 3; attempt++ {
		s.mu.RLock()
		id, ok := s.lz.index[name]
		epoch := s.lz.epoch[name]
		s.mu.RUnlock()
		if !ok {
			return nil, nil
		}
		rows, err := s.coldRows(ctx, id)
		if err != nil {
			return nil, err
		}
		b := buildZone(name, rows, nil)
		s.mu.Lock()
		if s.lz.epoch[name] != epoch {
			s.mu.Unlock()
			continue // changed while we read it: read it again
		}
		s.setBad(id, b.bad)
		if b.zone == nil {
			s.lz.absent[name] = true
		} else {
			s.installLazy(id, name, b.zone, b.records, b.index)
			s.evict(name)
		}
		s.mu.Unlock()
		return b.zone, nil
	}
	return nil, nil
}

// coldRows reads the rows of a zone that is not in memory: from the database,
// or from the snapshot when the database does not answer. During an outage
// the feed has seen, the database is not even tried: a connection to a host
// that is gone can take far longer to fail than a client waits.
func (s *source) coldRows(ctx context.Context, id int64) ([]sqlstore.Row, error) {
	var (
		rows []sqlstore.Row
		err  error
	)
	if s.snap == nil || !s.down.Load() {
		err = timed("zone", func() (err error) { rows, err = s.store.ZoneRows(ctx, id); return err })
		if err == nil || s.snap == nil {
			return rows, err
		}
	}
	rows, serr := s.snap.zoneRows(ctx, id)
	if serr != nil {
		if err == nil {
			err = errors.New("database unreachable")
		}
		return nil, fmt.Errorf("%w; from the snapshot: %v", err, serr)
	}
	snapshotLoads.Inc()
	return rows, nil
}

// installLazy puts a loaded zone, and its rowIndex if big, in; s.mu must be
// held.
func (s *source) installLazy(id int64, name string, z *file.Zone, records int, idx rowIndex) {
	if _, ok := s.zones[name]; !ok {
		s.g.zones.Inc()
	}
	s.lz.total += records - s.recs[name]
	s.g.records.Add(float64(records - s.recs[name]))
	s.zones[name], s.recs[name] = z, records
	setIndex(s.rowIdx, name, idx)
	u := new(atomic.Int64)
	u.Store(s.lz.clock.Load())
	s.lz.used[name] = u
	s.lz.order.Add(name, struct{}{})
}

// unloadLazy drops a loaded zone; s.mu must be held.
func (s *source) unloadLazy(name string) {
	if _, ok := s.zones[name]; ok {
		s.g.zones.Dec()
		s.g.records.Sub(float64(s.recs[name]))
		s.lz.total -= s.recs[name]
	}
	delete(s.zones, name)
	delete(s.recs, name)
	delete(s.rowIdx, name)
	delete(s.lz.used, name)
	s.lz.order.Remove(name)
}

// evict drops the least recently used zones, but never keep, until the
// records held are at most 90% of max_records: evicting a tenth at a time
// makes evictions rare. Each costs O(1). s.mu must be held.
func (s *source) evict(keep string) {
	if s.lz.total <= s.cfg.maxRecords {
		return
	}
	s.lz.order.Remove(keep)
	defer s.lz.order.Add(keep, struct{}{})
	target := s.cfg.maxRecords * 9 / 10
	for s.lz.total > target {
		name, _, ok := s.lz.order.RemoveOldest()
		if !ok {
			break
		}
		s.unloadLazy(name)
		evictions.Inc()
	}
}

// fullLoadLazy reads the index of zones only. Loaded zones are dropped: they
// are loaded again, fresh, when next asked for.
func (s *source) fullLoadLazy(doms map[int64]string) []string {
	index := make(map[string]int64, len(doms))
	for id, name := range doms {
		index[name] = id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var changed []string
	for name := range s.zones {
		changed = append(changed, name)
		s.unloadLazy(name)
	}
	for name := range index {
		s.lz.epoch[name]++
	}
	s.lz.index, s.ids, s.lz.absent = index, doms, map[string]bool{}
	s.keepBad(doms)
	return changed
}

// reloadLazy applies a change to domain id: the index always, the zone's
// records only if the zone is loaded, patched in where it can (t).
func (s *source) reloadLazy(ctx context.Context, id int64, t *touch) ([]string, error) {
	var (
		d  sqlstore.Domain
		ok bool
	)
	if err := timed("zone", func() (err error) { d, ok, err = s.store.Domain(ctx, id); return err }); err != nil {
		return nil, err
	}
	if s.snap != nil {
		s.snap.copyZone(id, t)
	}
	s.mu.Lock()
	old, had := s.ids[id]
	var changed []string
	if had {
		changed = append(changed, old)
		s.lz.epoch[old]++
		delete(s.lz.absent, old)
		if !ok {
			s.setBad(id, 0)
		}
		if !ok || old != d.Name {
			delete(s.lz.index, old)
			delete(s.ids, id)
			s.unloadLazy(old)
		}
	}
	_, loaded := s.zones[d.Name]
	if ok {
		s.lz.index[d.Name], s.ids[id] = id, d.Name
		s.lz.epoch[d.Name]++
		delete(s.lz.absent, d.Name)
		if d.Name != old {
			changed = append(changed, d.Name)
		}
	}
	s.mu.Unlock()
	if ok && loaded && d.Name == old {
		if _, done, err := s.patch(ctx, id, t); err != nil || done {
			return changed, err
		}
	}
	if ok && loaded {
		// Rebuild it now rather than on next use: it is in use.
		var rows []sqlstore.Row
		if err := timed("zone", func() (err error) { rows, err = s.store.ZoneRows(ctx, id); return err }); err != nil {
			return nil, err
		}
		b := buildZone(d.Name, rows, nil)
		s.mu.Lock()
		s.setBad(id, b.bad)
		switch {
		case b.zone != nil:
			s.installLazy(id, d.Name, b.zone, b.records, b.index)
			s.evict(d.Name)
		case b.badSOA:
			log.Errorf("Zone %s: SOA record does not parse, keeping the zone as it was", d.Name)
		default:
			s.unloadLazy(d.Name)
			s.lz.absent[d.Name] = true
			s.dropped(d.Name)
		}
		s.mu.Unlock()
	}
	return changed, nil
}

// tick advances the coarse clock used for LRU.
func (s *source) tick() { s.lz.clock.Store(time.Now().UnixNano()) }

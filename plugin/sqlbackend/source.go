package sqlbackend

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin/file"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/miekg/dns"
)

// source holds every zone of one database in memory and keeps it fresh. It
// is shared, reference counted, by the plugin instances that name the same
// database with the same options, so a Corefile reload neither reloads the
// zones nor opens new connections: the new instance takes a reference before
// the old one drops its own (see acquire).
type source struct {
	key   string
	cfg   config
	store *sqlstore.Store
	redis *notifier    // nil without the redis option
	snap  *snapshotter // nil without the snapshot option
	g     gauges

	mu     sync.RWMutex
	zones  map[string]*file.Zone // zone name (canonical) -> zone
	ids    map[int64]string      // domains.id -> zone name
	recs   map[string]int        // zone name -> records, for the gauge
	rowIdx map[string]rowIndex   // zone name -> its rowIndex, for big zones (patch.go)
	bad    map[int64]int         // domains.id -> rows skipped at its last read, for the gauge
	signed map[int64]string      // domains.id -> name of the served zones with DNSSEC keys (signed.go)
	lz     lazyState             // with max_records only

	prepared   atomic.Bool                    // the schema was ensured or verified (configerr.go)
	downLogged string                         // the kind of failure last logged, "" when up; the feed's own
	prints     map[int64]sqlstore.Fingerprint // with detect checksum: the last fingerprints; the feed's own

	loaded atomic.Bool  // the first full load is done: ready
	down   atomic.Bool  // the feed's last round failed: the database is unreachable
	pos    atomic.Int64 // the feed's position in the change log, for pruning
	lastOK atomic.Int64 // start of the feed's last successful round, Unix ns (stale.go)
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}

	subsMu sync.Mutex
	subs   map[*SQLBackend]struct{} // told when a zone changed (NOTIFY)

	refs int // under sourcesMu
}

var (
	sourcesMu sync.Mutex
	sources   = map[string]*source{}
	labelRefs = map[string]int{} // sources per gauge label: two configs may name one database
)

// acquire returns the running source for cfg, starting it if there is none,
// with b subscribed to its changes.
func acquire(cfg config, b *SQLBackend) (*source, error) {
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	key := cfg.key()
	if s, ok := sources[key]; ok {
		s.refs++
		s.subscribe(b)
		return s, nil
	}
	if cfg.dialect == sqlstore.SQLite {
		// A local file: creating and seeding it cannot wait for anything, and
		// an error here (bad seed file) must stop the start-up.
		if err := sqlstore.SeedSQLite(context.Background(), cfg.dsn, cfg.seed); err != nil {
			return nil, sqlstore.Classify(sqlstore.SQLite, err)
		}
	}
	st, err := sqlstore.Open(cfg.dialect, cfg.dsn)
	if err != nil {
		return nil, err
	}
	s := &source{
		key: key, cfg: cfg, store: st,
		zones: map[string]*file.Zone{}, ids: map[int64]string{}, recs: map[string]int{}, rowIdx: map[string]rowIndex{}, bad: map[int64]int{}, signed: map[int64]string{}, lz: newLazyState(),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		subs: map[*SQLBackend]struct{}{}, refs: 1,
	}
	if cfg.snapshot != "" {
		if s.snap, err = newSnapshotter(cfg.snapshot, st); err != nil {
			st.Close()
			return nil, fmt.Errorf("snapshot %s: %w", cfg.snapshot, err)
		}
	}
	if err := s.preflight(); err != nil {
		if s.snap != nil {
			s.snap.close()
		}
		st.Close()
		return nil, err
	}
	// After the last step that can fail: a source that never ran leaves no series.
	s.g = newGauges(string(cfg.dialect)+" "+maskDSN(cfg.dialect, cfg.dsn), cfg.redisAddr != "")
	s.lastOK.Store(time.Now().UnixNano())
	if cfg.redisAddr != "" {
		s.redis = newNotifier(cfg.redisAddr, cfg.redisChannel, s.poke, s.g.redisUp)
	}
	sources[key] = s
	labelRefs[s.g.label]++
	s.subscribe(b)
	go s.run()
	return s, nil
}

// release drops a reference; the last one stops the feed and closes the
// database and Redis connections.
func (s *source) release() {
	sourcesMu.Lock()
	s.refs--
	last := s.refs == 0
	lastOfLabel := false
	if last {
		delete(sources, s.key)
		labelRefs[s.g.label]--
		if lastOfLabel = labelRefs[s.g.label] == 0; lastOfLabel {
			delete(labelRefs, s.g.label)
		}
	}
	sourcesMu.Unlock()
	if !last {
		return
	}
	close(s.stop)
	<-s.done
	if s.redis != nil {
		s.redis.close()
	}
	if s.snap != nil {
		s.snap.close()
	}
	s.store.Close()
	s.mu.Lock()
	if lastOfLabel {
		// No series left behind for a database the Corefile no longer names:
		// a db_up of 0 would read as an outage.
		s.g.remove()
	} else {
		s.g.zones.Sub(float64(len(s.zones)))
		for _, n := range s.recs {
			s.g.records.Sub(float64(n))
		}
		s.keepBad(nil)
		for id := range s.signed {
			s.unsign(id)
		}
	}
	s.zones, s.ids, s.recs = map[string]*file.Zone{}, map[int64]string{}, map[string]int{}
	s.mu.Unlock()
}

// poke makes the feed poll now instead of at its next tick.
func (s *source) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// match returns the longest zone that holds qname (canonical), walking its
// labels: O(labels), whatever the number of zones. Only in lazy mode can it
// fail: a cold zone that cannot be read.
func (s *source) match(ctx context.Context, qname string) (string, *file.Zone, error) {
	if s.lazy() {
		return s.matchLazy(ctx, qname)
	}
	name, z := s.matchLoaded(qname)
	return name, z, nil
}

func (s *source) matchLoaded(qname string) (string, *file.Zone) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	off := 0
	for {
		if z, ok := s.zones[qname[off:]]; ok {
			return qname[off:], z
		}
		next, end := dns.NextLabel(qname, off)
		if end {
			break
		}
		off = next
	}
	if z, ok := s.zones["."]; ok {
		return ".", z
	}
	return "", nil
}

// zone returns the zone named exactly name, loading it if it is cold.
func (s *source) zone(ctx context.Context, name string) (*file.Zone, error) {
	z, cold := s.get(name)
	if !cold {
		return z, nil
	}
	return s.loadCold(ctx, name)
}

// replaceAll installs a complete set of zones, from a full load.
func (s *source) replaceAll(zones map[string]*file.Zone, ids map[int64]string, recs map[string]int, indexes map[string]rowIndex, bad map[int64]int) (changed []string) {
	s.mu.Lock()
	for id := range s.bad {
		s.setBad(id, 0)
	}
	for id, n := range bad {
		s.setBad(id, n)
	}
	for name, z := range zones {
		if old, ok := s.zones[name]; !ok || !sameSerial(old, z) {
			changed = append(changed, name)
		}
	}
	for name := range s.zones {
		if _, ok := zones[name]; !ok {
			changed = append(changed, name)
		}
	}
	s.g.zones.Add(float64(len(zones) - len(s.zones)))
	for _, n := range s.recs {
		s.g.records.Sub(float64(n))
	}
	for _, n := range recs {
		s.g.records.Add(float64(n))
	}
	s.zones, s.ids, s.recs, s.rowIdx = zones, ids, recs, indexes
	s.mu.Unlock()
	return changed
}

// set installs (z not nil) or removes (z nil) the zone of domain id named
// name, with its rowIndex (nil for a small zone), dropping the name the
// domain had before if it was renamed.
func (s *source) set(id int64, name string, z *file.Zone, records int, idx rowIndex) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(id, name, z, records, idx)
}

func (s *source) setLocked(id int64, name string, z *file.Zone, records int, idx rowIndex) {
	if old, ok := s.ids[id]; ok && old != name {
		s.drop(old)
		delete(s.ids, id)
	}
	if z == nil {
		if s.ids[id] == name {
			delete(s.ids, id)
		}
		s.drop(name)
		return
	}
	if _, ok := s.zones[name]; !ok {
		s.g.zones.Inc()
	}
	s.g.records.Add(float64(records - s.recs[name]))
	s.zones[name], s.ids[id], s.recs[name] = z, name, records
	setIndex(s.rowIdx, name, idx)
}

// setIndex keeps idx as the rowIndex of zone name, or forgets it for nil.
func setIndex(m map[string]rowIndex, name string, idx rowIndex) {
	if idx == nil {
		delete(m, name)
		return
	}
	m[name] = idx
}

func (s *source) drop(name string) {
	if _, ok := s.zones[name]; ok {
		s.g.zones.Dec()
		s.g.records.Sub(float64(s.recs[name]))
	}
	delete(s.zones, name)
	delete(s.recs, name)
	delete(s.rowIdx, name)
}

// setBad records that the last read of domain id skipped n rows; s.mu must
// be held.
func (s *source) setBad(id int64, n int) {
	s.g.bad.Add(float64(n - s.bad[id]))
	if n == 0 {
		delete(s.bad, id)
		return
	}
	s.bad[id] = n
}

// markBad is setBad for a caller not holding s.mu.
func (s *source) markBad(id int64, n int) {
	s.mu.Lock()
	s.setBad(id, n)
	s.mu.Unlock()
}

// dropped logs and counts a zone taken offline because it lost its enabled
// SOA: often one mistaken UPDATE, and an outage of the whole zone.
func (s *source) dropped(name string) {
	zonesDropped.Inc()
	log.Warningf("Zone %s has no enabled SOA record any more: no longer served", name)
}

// keepBad forgets the bad rows of the domains not in doms; s.mu must be held.
func (s *source) keepBad(doms map[int64]string) {
	for id := range s.bad {
		if _, ok := doms[id]; !ok {
			s.setBad(id, 0)
		}
	}
}

func (s *source) nameOf(id int64) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.ids[id]
	return n, ok
}

func sameSerial(a, b *file.Zone) bool {
	return a.SOA != nil && b.SOA != nil && a.SOA.Serial == b.SOA.Serial
}

func (s *source) subscribe(b *SQLBackend) {
	s.subsMu.Lock()
	s.subs[b] = struct{}{}
	s.subsMu.Unlock()
}

func (s *source) unsubscribe(b *SQLBackend) {
	s.subsMu.Lock()
	delete(s.subs, b)
	s.subsMu.Unlock()
}

// changed tells the plugin instances (for NOTIFY) which zones changed.
func (s *source) changed(zones []string) {
	if len(zones) == 0 {
		return
	}
	s.subsMu.Lock()
	defer s.subsMu.Unlock()
	for b := range s.subs {
		b.zonesChanged(zones)
	}
}

func (c config) key() string {
	return fmt.Sprintf("%s|%s|%s|%s|%t|%s|%s|%s|%d|%d|%s|%s", c.dialect, c.dsn, c.seed, c.poll, c.ensureSchema, c.gapTimeout, c.redisAddr, c.redisChannel, c.keep, c.maxRecords, c.snapshot, c.detect)
}

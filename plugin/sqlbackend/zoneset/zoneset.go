// Package zoneset holds the zones one database serves: by name and by domain
// id, each loaded (built from its rows), cold (known by name, loaded on first
// use) or absent (no enabled SOA: not served). Without a bound on records
// every zone is loaded at the full load and never evicted; with one
// (max_records), zones load on first use and the least recently used are
// evicted. Both are the one code path below: eager is lazy with nothing ever
// cold.
package zoneset

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/sqlzone"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/prometheus/client_golang/prometheus"
)

var log = clog.NewWithPlugin("sqlbackend")

// Reader reads what the set needs of its database; the plugin times and
// counts each read.
type Reader interface {
	// Domain reads the domains row of id and, when rows is true and the
	// domain exists, its records.
	Domain(ctx context.Context, id int64, rows bool) (d sqlstore.Domain, ok bool, rs []sqlstore.Row, err error)
	// Rows reads the records with these ids, for a patch.
	Rows(ctx context.Context, ids []int64) ([]sqlstore.Row, error)
	// Cold reads the records of a zone not in memory: from the database, or
	// from a copy of it while it does not answer.
	Cold(ctx context.Context, id int64) ([]sqlstore.Row, error)
}

// Metrics are where the set reports; the plugin owns them.
type Metrics struct {
	Zones, Records, Bad prometheus.Gauge   // zones and records held, rows skipped now
	BadRows, Conflicts  prometheus.Counter // at every build or patch
	Patches, Evictions  prometheus.Counter
	Dropped             prometheus.Counter // zones that lost their enabled SOA
}

// Set is the zones of one database.
type Set struct {
	max int // records held at most, 0 for no bound (nothing ever cold)
	r   Reader
	m   Metrics

	mu      sync.RWMutex
	names   map[string]*entry            // every domain known, by zone name
	routes  map[string]route             // the served ones of names, for queries (route.go)
	ids     map[int64]string             // domains.id -> zone name
	bad     map[int64]int                // domains.id -> rows skipped at its last read
	denials map[int64]*zone.Denial       // domains.id -> how it proves denial, signed online (denial.go)
	order   *lru.Cache[string, struct{}] // loaded zones, least recently used first; nil without a bound
	total   int                          // records held
	clock   atomic.Int64                 // coarse time (Tick): cheap on the query path
	members answerdeps.Dep               // bumped when a zone starts or stops being served (deps.go)

	loadMu  sync.Mutex
	loading map[string]*loadWait // cold zones being loaded, by name
}

// entry is one domain known by name. Its fields are guarded by Set.mu,
// but for used.
type entry struct {
	id     int64
	zone   *sqlzone.Zone  // nil when cold or absent
	served *zone.Zone     // zone.Served(), kept here so that a query reaches it with one load less
	absent bool           // read, and no enabled SOA: not served until it changes
	epoch  int            // bumped by every change, so a load racing one is redone
	used   atomic.Int64   // last use, by the coarse clock (with a bound only)
	dep    answerdeps.Dep // bumped whenever what the zone answers may have changed (deps.go)
}

// New returns an empty set. maxRecords bounds the records held (0: none, and
// every zone is loaded at the full load); r reads cold and changed zones.
func New(maxRecords int, r Reader, m Metrics) *Set {
	s := &Set{max: maxRecords, r: r, m: m, names: map[string]*entry{}, routes: map[string]route{}, ids: map[int64]string{},
		bad: map[int64]int{}, denials: map[int64]*zone.Denial{}, loading: map[string]*loadWait{},
		members: answerdeps.New()}
	if maxRecords > 0 {
		// Sized never to evict by itself: evict does, by records held. New
		// fails only for a size below 1.
		s.order, _ = lru.New[string, struct{}](math.MaxInt32)
	}
	return s
}

// Evicting reports whether zones load on first use and may be evicted
// (max_records); if not, a full load builds every zone.
func (s *Set) Evicting() bool { return s.max > 0 }

// Tick advances the coarse clock: a zone in use moves to the front of the LRU
// once per tick, not at every query, so the LRU's lock is not on the hot path.
// The feed ticks it at each round.
func (s *Set) Tick() { s.clock.Store(time.Now().UnixNano()) }

// Served returns the name of domain id if it is served (loaded or cold).
func (s *Set) Served(id int64) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.ids[id]
	e := s.names[name]
	return name, ok && e != nil && e.id == id && !e.absent
}

// Clear forgets every zone, taking what it held out of the gauges.
func (s *Set) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, e := range s.names {
		s.unload(e, name)
		answerdeps.Release(e.dep)
	}
	for id := range s.bad {
		s.setBad(id, 0)
	}
	s.names, s.routes, s.ids = map[string]*entry{}, map[string]route{}, map[int64]string{}
	s.members.Bump()
}

// Names returns the names of the zones served, loaded or cold.
func (s *Set) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.names))
	for name, e := range s.names {
		if !e.absent {
			out = append(out, name)
		}
	}
	return out
}

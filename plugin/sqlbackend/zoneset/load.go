package zoneset

import (
	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/sqlzone"
)

// Load is a full load being read: every domain, and, when the set is not
// Evicting, every zone, built as its rows come (Add). Install serves it.
type Load struct {
	set     *Set
	doms    map[int64]string
	zones   map[int64]*sqlzone.Zone
	bad     map[int64]int
	names   sqlzone.Names // shared by the zones of the load
	records int
}

// NewLoad starts a full load of the domains doms (domains.id -> zone name).
func (s *Set) NewLoad(doms map[int64]string) *Load {
	return &Load{set: s, doms: doms, zones: map[int64]*sqlzone.Zone{}, bad: map[int64]int{}, names: sqlzone.Names{}}
}

// Add builds the zone of domain id from its rows, all of them.
func (l *Load) Add(id int64, rows []sqlstore.Row) {
	name, ok := l.doms[id]
	if !ok {
		return
	}
	b := l.set.build(name, rows, l.names)
	if b.Bad > 0 {
		l.bad[id] = b.Bad
	}
	if b.Zone == nil {
		if was := l.set.state(id); was.loaded {
			l.set.dropped(name)
			return
		}
		log.Warningf("Zone %s (domain %d) has no enabled SOA record: not served", name, id)
		return
	}
	l.zones[id] = b.Zone
	l.records += b.Zone.Records()
}

// Domains, Zones, Records and Bad say what the load read: domains, zones
// built, their records, rows skipped.
func (l *Load) Domains() int { return len(l.doms) }
func (l *Load) Zones() int   { return len(l.zones) }
func (l *Load) Records() int { return l.records }
func (l *Load) Bad() (n int) {
	for _, b := range l.bad {
		n += b
	}
	return n
}

// Install serves the load in place of everything held: its zones loaded,
// its other domains cold (Evicting) or absent (not: every zone with rows
// was built). It returns the zone names whose answers changed: the zones
// held before that are not held now with the same SOA serial, and the zones
// new.
func (s *Set) Install(l *Load) (changed []string) {
	names := make(map[string]*entry, len(l.doms))
	for id, name := range l.doms {
		names[name] = &entry{id: id, absent: l.zones[id] == nil && s.max == 0, dep: answerdeps.New()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Every entry changes below; routes is made anew at the end, not kept
	// in step entry by entry (reroute). Queries wait for s.mu meanwhile.
	s.routes = nil
	for id := range s.bad {
		if _, known := l.doms[id]; !known || s.max == 0 {
			s.setBad(id, 0) // gone, or read again (every zone was)
		}
	}
	for id, n := range l.bad {
		s.setBad(id, n)
	}
	for name, e := range names {
		if o := s.names[name]; l.zones[e.id] != nil && (o == nil || o.zone == nil) {
			changed = append(changed, name)
		}
	}
	for name, o := range s.names {
		if o.zone == nil {
			continue
		}
		if e := names[name]; e == nil || l.zones[e.id] == nil || !l.zones[e.id].SameSerial(o.zone) {
			changed = append(changed, name)
		}
		s.unload(o, name)
	}
	for _, o := range s.names {
		answerdeps.Release(o.dep)
	}
	for name, e := range names {
		if z := l.zones[e.id]; z != nil {
			s.install(e, name, z)
		}
	}
	// A load of a cold zone in flight finds its entry gone, and reads again.
	s.names, s.ids = names, l.doms
	s.rerouteAll()
	s.members.Bump()
	return changed
}

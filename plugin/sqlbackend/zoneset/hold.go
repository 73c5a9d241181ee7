package zoneset

import (
	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/sqlzone"
)

// What the set holds changes only here, with s.mu held, so that the gauges,
// the records held and the LRU always agree with the entries.

// install serves z as the zone of entry e, named name.
func (s *Set) install(e *entry, name string, z *sqlzone.Zone) {
	old := 0
	if e.zone == nil {
		s.m.Zones.Inc()
	} else {
		old = e.zone.Records()
	}
	s.total += z.Records() - old
	s.m.Records.Add(float64(z.Records() - old))
	e.zone, e.served = z, s.served(e.id, z)
	s.setAbsent(name, e, false) // and reroutes, with the new version
	e.dep.Bump()
	if s.order != nil {
		e.used.Store(s.clock.Load())
		s.order.Add(name, struct{}{})
	}
}

// unload drops the zone of entry e, named name, if loaded: it is cold then.
func (s *Set) unload(e *entry, name string) {
	if e.zone != nil {
		n := e.zone.Records()
		s.m.Zones.Dec()
		s.m.Records.Sub(float64(n))
		s.total -= n
		e.zone, e.served = nil, nil
		s.reroute(name, e)
		e.dep.Bump()
	}
	if s.order != nil {
		s.order.Remove(name)
	}
}

// evict drops the least recently used zones, but never keep, until the
// records held are at most 90% of the bound: evicting a tenth at a time makes
// evictions rare. Each costs O(1).
func (s *Set) evict(keep string) {
	if s.max == 0 || s.total <= s.max {
		return
	}
	s.order.Remove(keep)
	defer s.order.Add(keep, struct{}{})
	target := s.max * 9 / 10
	for s.total > target {
		name, _, ok := s.order.RemoveOldest()
		if !ok {
			break
		}
		if e := s.names[name]; e != nil {
			s.unload(e, name)
		}
		s.m.Evictions.Inc()
	}
}

// index makes name the zone of domain id, forgetting the name id had before
// if it was renamed (and a domain that had name before, if another), and
// returns its entry, which is cold then unless it was loaded under that name.
// The entry's epoch moves on, so that a load of it in flight is redone.
func (s *Set) index(id int64, name string) *entry {
	if old, ok := s.ids[id]; ok && old != name {
		s.forgetName(old, id)
	}
	e := s.names[name]
	if e != nil && e.id != id {
		s.forgetName(name, e.id)
		e = nil
	}
	if e == nil {
		e = &entry{id: id, dep: answerdeps.New(), absent: true}
		s.names[name] = e
	}
	s.ids[id] = name
	e.epoch++
	e.dep.Bump()
	s.setAbsent(name, e, false)
	return e
}

// forget removes domain id, and its bad rows.
func (s *Set) forget(id int64) {
	if name, ok := s.ids[id]; ok {
		s.forgetName(name, id)
	}
	s.setBad(id, 0)
}

// forgetName removes zone name, if domain id holds it.
func (s *Set) forgetName(name string, id int64) {
	if e := s.names[name]; e != nil && e.id == id {
		s.unload(e, name)
		e.epoch++ // a load in flight holds e: it sees it is gone
		s.setAbsent(name, e, true)
		answerdeps.Release(e.dep)
		delete(s.names, name)
	}
	if s.ids[id] == name {
		delete(s.ids, id)
	}
}

// setBad records that the last read of domain id skipped n rows.
func (s *Set) setBad(id int64, n int) {
	s.m.Bad.Add(float64(n - s.bad[id]))
	if n == 0 {
		delete(s.bad, id)
		return
	}
	s.bad[id] = n
}

// build builds a zone and counts what its build found.
func (s *Set) build(name string, rows []sqlstore.Row, shared sqlzone.Names) sqlzone.Built {
	b := sqlzone.Build(name, rows, shared)
	s.m.BadRows.Add(float64(b.Bad))
	s.m.Conflicts.Add(float64(b.Conflicts))
	return b
}

// dropped logs and counts a zone taken offline because it lost its enabled
// SOA: often one mistaken UPDATE, and an outage of the whole zone.
func (s *Set) dropped(name string) {
	s.m.Dropped.Inc()
	log.Warningf("Zone %s has no enabled SOA record any more: no longer served", name)
}

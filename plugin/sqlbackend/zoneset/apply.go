package zoneset

import (
	"context"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/sqlzone"
)

// before is what the set held of a domain before a change.
type before struct {
	name   string
	known  bool // in the index
	served bool // known and not absent
	loaded bool
}

func (s *Set) state(id int64) before {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.ids[id]
	e := s.names[name]
	if !ok || e == nil || e.id != id {
		return before{}
	}
	return before{name: name, known: true, served: !e.absent, loaded: e.zone != nil}
}

// Apply brings domain id up to date with what the change log says of it, t:
// a loaded zone by a patch where it can, else by a rebuild; a zone that must
// be in memory (every zone without a bound, a loaded one with) is rebuilt now,
// any other is only indexed, to be loaded fresh when next asked for. It
// returns the zone names whose answers changed.
func (s *Set) Apply(ctx context.Context, id int64, t *sqlstore.Touch) ([]string, error) {
	name, done, err := s.patch(ctx, id, t)
	if err != nil || done {
		if done {
			return []string{name}, nil
		}
		return nil, err
	}
	was := s.state(id)
	resident := s.max == 0 || was.loaded
	d, ok, rows, err := s.r.Domain(ctx, id, resident)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return s.deleted(id, was), nil
	case !resident:
		return s.indexed(id, d.Name, was), nil
	}
	return s.rebuilt(id, d.Name, rows, was), nil
}

// patch applies the record changes t names to the loaded zone of domain id.
// done is false when the zone is not loaded or the change cannot be patched
// (see sqlzone.Patch), and nothing was changed then. Patching before reading
// the domains row is safe: t names records only, so the domain did not change,
// and a load racing the change found the zone cold, not loaded.
func (s *Set) patch(ctx context.Context, id int64, t *sqlstore.Touch) (name string, done bool, err error) {
	s.mu.RLock()
	name = s.ids[id]
	e := s.names[name]
	var z *sqlzone.Zone
	if e != nil && e.id == id {
		z = e.zone
	}
	s.mu.RUnlock()
	if z == nil || !z.Patchable(t) {
		return "", false, nil
	}
	ids := t.IDs()
	rows, err := s.r.Rows(ctx, ids)
	if err != nil {
		return "", false, err
	}
	p, ok := sqlzone.Patch(z, id, ids, rows)
	if !ok {
		return "", false, nil
	}
	s.m.BadRows.Add(float64(p.Skipped))
	s.m.Conflicts.Add(float64(p.Conflicts))
	s.m.Patches.Inc()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.names[name] != e || e.zone != z {
		// Evicted meanwhile, or loaded again: that copy was read after the
		// change, or is read again (epoch).
		return name, true, nil
	}
	s.setBad(id, s.bad[id]+p.Bad)
	s.install(e, name, p.Zone())
	s.evict(name)
	return name, true, nil
}

// deleted forgets a domain that is gone.
func (s *Set) deleted(id int64, was before) []string {
	s.mu.Lock()
	s.forget(id)
	s.mu.Unlock()
	if !was.served {
		return nil
	}
	log.Infof("Zone %s deleted", was.name)
	return []string{was.name}
}

// indexed notes the name of a domain that is not loaded: it loads when next
// asked for.
func (s *Set) indexed(id int64, name string, was before) []string {
	s.mu.Lock()
	s.index(id, name)
	s.mu.Unlock()
	var changed []string
	if was.known {
		changed = append(changed, was.name)
	}
	if name != was.name {
		changed = append(changed, name)
	}
	return changed
}

// rebuilt serves the zone built from rows, or stops serving it when it has
// no enabled SOA; one whose SOA does not parse keeps its last good copy.
func (s *Set) rebuilt(id int64, name string, rows []sqlstore.Row, was before) []string {
	b := s.build(name, rows, nil)
	s.mu.Lock()
	s.setBad(id, b.Bad)
	if e := s.names[name]; b.Zone == nil && b.BadSOA && e != nil && e.zone != nil {
		s.mu.Unlock()
		// Never let one bad row empty a zone: keep serving the last good copy.
		log.Errorf("Zone %s: SOA record does not parse, keeping the zone as it was", name)
		return nil
	}
	e := s.index(id, name)
	if b.Zone != nil {
		s.install(e, name, b.Zone)
		s.evict(name)
	} else {
		s.unload(e, name)
		s.setAbsent(name, e, true)
	}
	s.mu.Unlock()

	var changed []string
	if was.loaded && was.name != name {
		changed = append(changed, was.name)
	}
	switch {
	case b.Zone != nil:
		if !was.loaded {
			log.Infof("Zone %s added", name)
		}
		changed = append(changed, name)
	case was.loaded:
		s.dropped(name)
		changed = append(changed, name)
	}
	return changed
}

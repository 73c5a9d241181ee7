package zoneset

import (
	"context"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
	"github.com/miekg/dns"
)

// Match returns the longest zone served that holds qname (canonical),
// walking its labels: O(labels), whatever the number of zones. A cold zone
// is loaded on the way; that is the only way it can fail (a cold zone that
// cannot be read now). With no zone, name is "". What the answer depends on
// (the set's membership, the zone's version) goes to the context's
// answerdeps.Recorder, if any.
func (s *Set) Match(ctx context.Context, qname string) (name string, z *zone.Zone, err error) {
	rec := answerdeps.From(ctx)
	var justLoaded *zone.Zone
	off := 0
	for {
		name, held, cold, rest := s.longest(qname, off, rec)
		switch {
		case held != nil:
			return name, held, nil
		case !cold:
			return "", nil, nil
		case justLoaded != nil:
			// Evicted again before we could stamp it: answer from the copy we
			// read, but do not let it be cached.
			rec.Uncacheable()
			return name, justLoaded, nil
		}
		z, err := s.loadCold(ctx, name)
		if err != nil {
			return name, z, err
		}
		if z != nil {
			justLoaded = z
			continue // held now: the next walk stamps it
		}
		off = rest // no enabled SOA after all: a parent may hold qname
	}
}

// longest walks the labels of qname from offset off, the root last, to the
// first name that is a zone served: loaded (held) or cold. rest is the offset
// a walk past it goes on from.
func (s *Set) longest(qname string, off int, rec *answerdeps.Recorder) (name string, held *zone.Zone, cold bool, rest int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.stampMembers(rec)
	for off <= len(qname) {
		name, rest = ".", len(qname)+1
		if off < len(qname) {
			name = qname[off:]
			next, end := dns.NextLabel(qname, off)
			if rest = next; end {
				rest = len(qname)
			}
		}
		if r, ok := s.routes[name]; ok {
			if r.served != nil {
				s.used(r.e, name)
				stampZone(rec, r.e)
				return name, r.served, false, rest
			}
			return name, nil, true, rest
		}
		off = rest
	}
	return "", nil, false, off
}

// used moves a loaded zone to the front of the LRU, once per tick of the
// coarse clock; s.mu is held for reading.
func (s *Set) used(e *entry, name string) {
	if s.order == nil {
		return
	}
	if now := s.clock.Load(); e.used.Load() != now {
		e.used.Store(now)
		s.order.Get(name)
	}
}

// Zone returns the zone named exactly name (canonical), loading it if it is
// cold; nil if it is not served.
func (s *Set) Zone(ctx context.Context, name string) (*zone.Zone, error) {
	s.mu.RLock()
	e := s.names[name]
	var held *zone.Zone
	cold := false
	if e != nil && !e.absent {
		if held = e.served; held != nil {
			s.used(e, name)
		}
		cold = held == nil
	}
	s.mu.RUnlock()
	switch {
	case held != nil:
		return held, nil
	case cold:
		return s.loadCold(ctx, name)
	}
	return nil, nil
}

type loadWait struct {
	done chan struct{}
	z    *zone.Zone
	err  error
}

// loadCold loads zone name, once however many queries ask for it at the
// same time.
func (s *Set) loadCold(ctx context.Context, name string) (*zone.Zone, error) {
	s.loadMu.Lock()
	if w, ok := s.loading[name]; ok {
		s.loadMu.Unlock()
		select {
		case <-w.done:
			return w.z, w.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	w := &loadWait{done: make(chan struct{})}
	s.loading[name] = w
	s.loadMu.Unlock()

	w.z, w.err = s.load(ctx, name)

	s.loadMu.Lock()
	delete(s.loading, name)
	s.loadMu.Unlock()
	close(w.done)
	return w.z, w.err
}

// load reads and installs cold zone name. A change to it while it was read
// (its epoch moved) makes it read it again.
func (s *Set) load(ctx context.Context, name string) (*zone.Zone, error) {
	for attempt := 0; attempt < 3; attempt++ {
		s.mu.RLock()
		e := s.names[name]
		var id int64
		var epoch int
		if e != nil {
			id, epoch = e.id, e.epoch
		}
		s.mu.RUnlock()
		if e == nil {
			return nil, nil
		}
		rows, err := s.r.Cold(ctx, id)
		if err != nil {
			return nil, err
		}
		b := s.build(name, rows, nil)
		s.mu.Lock()
		if s.names[name] != e || e.epoch != epoch {
			s.mu.Unlock()
			continue // changed while we read it: read it again
		}
		s.setBad(id, b.Bad)
		if b.Zone == nil {
			s.setAbsent(name, e, true)
			s.mu.Unlock()
			return nil, nil
		}
		s.install(e, name, b.Zone)
		s.evict(name)
		s.mu.Unlock()
		return b.Zone.Served(), nil
	}
	return nil, nil
}

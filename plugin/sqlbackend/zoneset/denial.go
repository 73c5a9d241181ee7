package zoneset

import (
	"github.com/hostdns/hostdns/plugin/sqlbackend/sqlzone"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zone"
)

// A zone signed online serves the version of its zone that makes NSEC or
// NSEC3 records for authenticated denial (zone.Denial). Which zones, and how,
// is the keys' business (the plugin reads them from cryptokeys and
// domainmetadata); the set keeps it by domain id, apart from the entries, so
// that it survives a full load, an eviction and a rebuild.

// SetDenial sets how domain id proves denial, nil for not at all (unsigned,
// or pre-signed: the NSEC records it holds). A zone held is served anew at
// once.
func (s *Set) SetDenial(id int64, d *zone.Denial) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d == nil {
		delete(s.denials, id)
	} else {
		s.denials[id] = d
	}
	name, ok := s.ids[id]
	if !ok {
		return
	}
	if e := s.names[name]; e != nil && e.id == id && e.zone != nil {
		e.served = s.served(id, e.zone)
		s.reroute(name, e)
	}
	if e := s.names[name]; e != nil && e.id == id {
		e.dep.Bump() // its keys changed with it: sqlsign's answers depend on them
	}
}

// served is the version of z that domain id serves; s.mu is held.
func (s *Set) served(id int64, z *sqlzone.Zone) *zone.Zone {
	if d := s.denials[id]; d != nil {
		return z.Served().WithDenial(d)
	}
	return z.Served()
}

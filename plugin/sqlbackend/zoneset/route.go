package zoneset

import "github.com/hostdns/hostdns/plugin/sqlbackend/zone"

// route is what a query needs of a zone served, held by value in Set.routes:
// with 100,000 zones each load of a query's path is a cache miss, and finding
// the zone in routes costs the map's probe and no load of the entry, which
// only the LRU (with a bound) and an answer cache above read. The map also
// made a full collection of a million records 2-2.7 times cheaper
// (test/bench/RESULTS.md, Run 28), for a reason not established: measure
// BenchmarkLoadMillion's gc-cpu-ms before taking it out.
type route struct {
	served *zone.Zone // nil while cold
	e      *entry
}

// reroute keeps routes[name] in step with entry e, named name, after e or
// the names map changed; s.mu is held. Every change to e.absent or e.served
// goes through setAbsent, install, unload or SetDenial, which call it.
// While Install swaps every entry, routes is nil and reroute does nothing:
// Install makes routes anew once the new names are in (rerouteAll).
func (s *Set) reroute(name string, e *entry) {
	if s.routes == nil {
		return
	}
	if e.absent || s.names[name] != e {
		if r, ok := s.routes[name]; ok && r.e == e {
			delete(s.routes, name)
		}
		return
	}
	s.routes[name] = route{served: e.served, e: e}
}

// rerouteAll makes routes anew from names; s.mu is held.
func (s *Set) rerouteAll() {
	s.routes = make(map[string]route, len(s.names))
	for name, e := range s.names {
		s.reroute(name, e)
	}
}

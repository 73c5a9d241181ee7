package zoneset

import "testing"

// checkRoutes: routes holds exactly the served entries of names (loaded or
// cold), each with its entry's current version.
func checkRoutes(t *testing.T, s *Set) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	served := 0
	for name, e := range s.names {
		r, ok := s.routes[name]
		if e.absent {
			if ok {
				t.Errorf("route to %s, which is not served", name)
			}
			continue
		}
		served++
		if !ok || r.e != e || r.served != e.served {
			t.Errorf("route to %s: %+v (found %t); entry %p serves %p", name, r, ok, e, e.served)
		}
	}
	if len(s.routes) != served {
		t.Errorf("%d routes, %d zones served", len(s.routes), served)
	}
}

package zoneset

import (
	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
)

// An answer cache above sqlbackend (plugin/answercache) keeps answers until
// the data they came from changes. Every entry has a Dep, bumped whenever the
// version it serves is replaced or dropped, or its keys change; the set has
// one more, members, bumped whenever a zone starts or stops being served,
// which can move any name to another zone. Both are bumped with s.mu held and
// stamped by Match under it too, so a stamp always belongs to the version the
// query was answered from.

// setAbsent marks e, named name, served (absent false) or not; s.mu is held. Only a real
// change moves the set's membership on: a zone rebuilt under the same name
// must not invalidate every other zone's answers.
func (s *Set) setAbsent(name string, e *entry, absent bool) {
	if e.absent != absent {
		e.absent = absent
		s.members.Bump()
	}
	s.reroute(name, e)
}

// stampMembers is the set's membership at a Match; s.mu is held.
func (s *Set) stampMembers(rec *answerdeps.Recorder) {
	if rec != nil {
		rec.Depend(s.members.Stamp())
	}
}

// stampZone is entry e's version at a Match; s.mu is held.
func stampZone(rec *answerdeps.Recorder, e *entry) {
	if rec != nil {
		rec.Depend(e.dep.Stamp())
	}
}

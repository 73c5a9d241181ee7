package secondaryfeed

import (
	"hash/maphash"
	"maps"
	"time"
)

// buildSlots bounds the builds running at once: each holds a zone's records twice (source
// and result), and a start with discover begins every zone's build at the same moment.
const buildSlots = 8

func newZone(name string) *zone {
	return &zone{name: name, trigger: make(chan struct{}, 1), done: make(chan struct{})}
}

// zone returns the fed zone name (canonical), nil when it is not fed. The map is read on
// every query through the block, so it is never locked: changes replace it.
func (f *Feed) zone(name string) *zone { return (*f.zones.Load())[name] }

// replaceZones installs a new map of the fed zones with add added and the zones named
// gone removed. Only setup and the discovery loop call it, never at once.
func (f *Feed) replaceZones(add []*zone, gone []string) {
	next := maps.Clone(*f.zones.Load())
	for _, z := range add {
		next[z.name] = z
	}
	for _, n := range gone {
		delete(next, n)
	}
	f.zones.Store(&next)
}

// pollOf is how often z's loop asks its source for the serial. A discovered zone's
// source tells of every change (Notify), so its poll is a slow safety net, spread so
// that 100,000 zones do not ask at the same moment.
func (f *Feed) pollOf(z *zone) time.Duration {
	if !z.found {
		return f.Poll
	}
	spread := maphash.String(pollSeed, z.name) % uint64(3*f.Poll)
	return f.Poll*discoveredPollFactor + time.Duration(spread)
}

var pollSeed = maphash.MakeSeed()

// discoveredPollFactor times the poll is a discovered zone's.
const discoveredPollFactor = 30

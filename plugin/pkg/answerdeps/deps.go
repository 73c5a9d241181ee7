// Package answerdeps lets the plugins that answer from data tell a packed-answer
// cache above them (plugin/answercache) what each answer depends on, so that the
// cache can drop an answer exactly when that data changes instead of after a TTL.
//
// A Dep is a counter that its owner bumps after every change of what it guards
// (a zone's served version, a server block's set of zones, a pool's health). A
// plugin that reads guarded data first takes a Stamp of the Dep (its current
// epoch), then reads the data, and hands the Stamp to the request's Recorder. A
// cached answer is good while every one of its Stamps is still current. The order
// matters: the stamp is taken before the data is read (or both under the lock the
// owner changes them under), so an answer can only be older than its stamps say,
// never newer, and a change made while it was answered invalidates it at once.
//
// Deps live in one table of atomic counters indexed by a 32-bit id, so that a
// cache can keep its entries free of pointers (the collector never scans them) and
// check an entry with a few atomic loads.
package answerdeps

import (
	"sync"
	"sync/atomic"
)

// Dep is the id of one counter; 0 is no counter.
type Dep uint32

// Stamp is a Dep at one epoch.
type Stamp struct {
	Dep   Dep
	Epoch uint64
}

const (
	chunkBits = 16
	chunkSize = 1 << chunkBits
	maxChunks = 1 << 12 // 268M deps: far more than the zones any process serves
)

type chunk [chunkSize]atomic.Uint64

var (
	table [maxChunks]atomic.Pointer[chunk]

	mu   sync.Mutex
	next uint32 = 1 // 0 is reserved for "none"
	free []Dep
)

// New returns a Dep of its own. It panics only when 268M Deps are alive.
func New() Dep {
	mu.Lock()
	defer mu.Unlock()
	if n := len(free); n > 0 {
		d := free[n-1]
		free = free[:n-1]
		return d
	}
	d := Dep(next)
	next++
	ci := int(d >> chunkBits)
	if ci >= maxChunks {
		panic("answerdeps: out of deps")
	}
	if table[ci].Load() == nil {
		table[ci].Store(new(chunk))
	}
	return d
}

// Release gives d back for reuse. Its counter moves on first, and is never
// reset, so a Stamp taken before the release can never match again.
func Release(d Dep) {
	if d == 0 {
		return
	}
	d.Bump()
	mu.Lock()
	free = append(free, d)
	mu.Unlock()
}

func (d Dep) counter() *atomic.Uint64 {
	return &table[d>>chunkBits].Load()[d&(chunkSize-1)]
}

// Bump records a change: every Stamp taken before it is stale from now on.
func (d Dep) Bump() {
	if d != 0 {
		d.counter().Add(1)
	}
}

// Epoch returns d's current epoch.
func (d Dep) Epoch() uint64 {
	if d == 0 {
		return 0
	}
	return d.counter().Load()
}

// Stamp returns d at its current epoch.
func (d Dep) Stamp() Stamp { return Stamp{Dep: d, Epoch: d.Epoch()} }

// Current reports whether nothing changed since s was taken.
func (s Stamp) Current() bool { return s.Dep.Epoch() == s.Epoch }

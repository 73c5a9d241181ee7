package answercache

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/auto"
	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/file/tree"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"

	"github.com/miekg/dns"
)

// The stock file and auto plugins report nothing to answerdeps. For their zones the cache
// reports for them: one Dep per zone, bumped by a watcher that sees the zone's data replaced
// (a reload swaps the zone's tree and apex under its lock), and one Dep for the set of zones
// (auto adds and removes zones). A changed zone file is therefore served from the cache at
// most watchEvery after file reloaded it.
const watchEvery = 250 * time.Millisecond

// filePassthrough are the plugins that may sit between answercache and file/auto (or below
// them) in a block whose file zones are cached: they answer nothing themselves (transfer
// only AXFR/IXFR, which are bypassed) or only change file's answers the same way every time.
var filePassthrough = map[string]bool{
	"file": true, "auto": true, "transfer": true, "dnssec": true, "minimal": true,
	"header": true, "loop": true,
}

// watchedZone is one file.Zone and what its data was when last looked at.
type watchedZone struct {
	zone *file.Zone
	dep  answerdeps.Dep
	tree *tree.Tree
	soa  *dns.SOA
}

// zoneSet is an immutable snapshot of the watched zones, read without a lock by queries.
type zoneSet struct {
	names []string // lower-case origins, longest first: the first match is the longest
	deps  map[string]answerdeps.Dep
}

// fileZones watches the zones of the file and auto plugins of one server block.
type fileZones struct {
	file    *file.File
	auto    *auto.Auto
	members answerdeps.Dep

	set atomic.Pointer[zoneSet]

	mu      sync.Mutex // the watcher's state
	watched map[string]*watchedZone

	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

// newFileZones returns the watcher for cfg's file and auto zones, or nil (with the plugin
// that prevents it, if any) when the block has none, or has a plugin below answercache
// that could answer instead of them.
func newFileZones(cfg *dnsserver.Config) (*fileZones, string) {
	below := false
	for _, d := range dnsserver.Directives {
		if d == name {
			below = true
			continue
		}
		if below && cfg.Handler(d) != nil && !filePassthrough[d] {
			return nil, d
		}
	}
	var (
		f *file.File
		a *auto.Auto
	)
	if h, ok := cfg.Handler("file").(file.File); ok {
		f = &h
	}
	if h, ok := cfg.Handler("auto").(auto.Auto); ok && h.Zones != nil {
		a = &h
	}
	if f == nil && a == nil {
		return nil, ""
	}
	return watchZones(f, a), ""
}

// watchZones returns the watcher of the zones of f and a (either may be nil), not started.
func watchZones(f *file.File, a *auto.Auto) *fileZones {
	fz := &fileZones{file: f, auto: a, members: answerdeps.New(), watched: map[string]*watchedZone{}, stop: make(chan struct{})}
	fz.poll()
	return fz
}

// zones returns the zones of file and auto now.
func (fz *fileZones) zones() map[string]*file.Zone {
	zs := map[string]*file.Zone{}
	if fz.file != nil {
		for name, z := range fz.file.Z {
			zs[strings.ToLower(name)] = z
		}
	}
	if fz.auto != nil {
		for _, name := range fz.auto.Zones.Names() {
			if z := fz.auto.Zones.Zones(name); z != nil {
				zs[strings.ToLower(name)] = z
			}
		}
	}
	return zs
}

// poll bumps the Dep of every zone whose data was replaced, and the members' Dep when
// zones came or went.
func (fz *fileZones) poll() {
	fz.mu.Lock()
	defer fz.mu.Unlock()
	now := fz.zones()
	changedSet := len(now) != len(fz.watched) || fz.set.Load() == nil
	for name, z := range now {
		z.RLock()
		t, soa := z.Tree, z.Apex.SOA
		z.RUnlock()
		w, ok := fz.watched[name]
		if !ok {
			fz.watched[name] = &watchedZone{zone: z, dep: answerdeps.New(), tree: t, soa: soa}
			changedSet = true
			continue
		}
		if w.zone != z || w.tree != t || w.soa != soa {
			w.zone, w.tree, w.soa = z, t, soa
			w.dep.Bump()
		}
	}
	for name, w := range fz.watched {
		if _, ok := now[name]; !ok {
			answerdeps.Release(w.dep)
			delete(fz.watched, name)
			changedSet = true
		}
	}
	if !changedSet {
		return
	}
	set := &zoneSet{deps: make(map[string]answerdeps.Dep, len(fz.watched))}
	for name, w := range fz.watched {
		set.names = append(set.names, name)
		set.deps[name] = w.dep
	}
	slices.SortFunc(set.names, func(a, b string) int { return len(b) - len(a) })
	fz.set.Store(set)
	fz.members.Bump()
}

// report tells rec, before the chain below reads any data, that the answer for name comes
// from the file zone holding it, if one does.
func (fz *fileZones) report(rec *answerdeps.Recorder, name []byte) {
	members := fz.members.Stamp()
	set := fz.set.Load()
	for _, z := range set.names {
		if inZones(name, []string{z}) {
			rec.Serve(set.deps[z].Stamp())
			rec.Depend(members)
			return
		}
	}
}

func (fz *fileZones) start() {
	fz.done.Add(1)
	go func() {
		defer fz.done.Done()
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			select {
			case <-fz.stop:
				return
			case <-t.C:
				fz.poll()
			}
		}
	}()
}

// halt stops the watcher and gives its Deps back.
func (fz *fileZones) halt() {
	fz.once.Do(func() { close(fz.stop) })
	fz.done.Wait()
	fz.mu.Lock()
	defer fz.mu.Unlock()
	for name, w := range fz.watched {
		answerdeps.Release(w.dep)
		delete(fz.watched, name)
	}
	answerdeps.Release(fz.members)
}

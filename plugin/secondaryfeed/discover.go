package secondaryfeed

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
)

// discovery finds the zones to feed in the lists of the block's data plugins
// (xfrmeta.Lister, e.g. sqlbackend's SQL zones): every listed zone at or below one of the
// Corefile's zones is fed, from the moment it is listed until it is not.
type discovery struct {
	roots  []string      // the Corefile's zones
	wake   chan struct{} // a new listing is wanted (Notify); buffered 1, so requests coalesce
	listed atomic.Bool   // every lister answered at least once
	every  time.Duration // a listing at least this often, in case a notification was lost
}

func newDiscovery(roots []string) *discovery {
	return &discovery{roots: roots, wake: make(chan struct{}, 1), every: 30 * time.Second}
}

func (d *discovery) nudge() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// discoverLoop lists the zones until ctx ends: at start, when nudged, and every d.every,
// more often until the listers can answer.
func (f *Feed) discoverLoop(ctx context.Context) {
	d := f.disc
	for {
		wait := d.every
		if !f.rediscover(ctx) {
			wait = f.Poll
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// rediscover makes the fed zones those the listers list now, starting and ending zones'
// loops. It returns false when a lister could not answer yet: nothing changes then.
func (f *Feed) rediscover(ctx context.Context) bool {
	want, ok := f.listed()
	if !ok {
		return false
	}
	cur := *f.zones.Load()
	var add []*zone
	for n := range want {
		if cur[n] == nil {
			z := newZone(n)
			z.found = true
			add = append(add, z)
		}
	}
	var gone []*zone
	for n, z := range cur {
		if z.found && !want[n] {
			gone = append(gone, z)
		}
	}
	if len(add) > 0 || len(gone) > 0 {
		f.changeZones(ctx, add, gone)
	}
	f.disc.listed.Store(true)
	return true
}

// listed returns the zones every lister lists under the roots; false if one cannot tell.
func (f *Feed) listed() (map[string]bool, bool) {
	want := map[string]bool{}
	for _, l := range f.listers {
		zones, ok := l.Zones()
		if !ok {
			return nil, false
		}
		for _, z := range zones {
			z = dns.CanonicalName(z)
			if plugin.Zones(f.disc.roots).Matches(z) != "" {
				want[z] = true
			}
		}
	}
	return want, true
}

// changeZones starts feeding add and stops feeding gone: their loops end first, then
// their journal and conversions are dropped (unless another instance, during a reload,
// still feeds them) and their serial leaves the metrics.
func (f *Feed) changeZones(ctx context.Context, add, gone []*zone) {
	names := make([]string, len(gone))
	for i, z := range gone {
		names[i] = z.name
	}
	f.replaceZones(add, names)
	for _, z := range add {
		f.startZone(ctx, z)
	}
	acquireZones(zoneNames(add))
	for _, z := range gone {
		z.stop()
		<-z.done
	}
	for _, n := range releaseZones(names) {
		f.drop(ctx, n)
	}
	for _, z := range gone {
		journalBytes.Sub(float64(z.bytes))
	}
	log.Infof("Zones listed: %d added, %d gone, %d fed", len(add), len(gone), len(*f.zones.Load()))
	f.membersChanged()
}

// drop forgets what is kept of a zone no longer fed.
func (f *Feed) drop(ctx context.Context, name string) {
	serialGauge.DeleteLabelValues(name)
	if err := f.Store.Forget(ctx, name); err != nil {
		log.Warningf("Zone %s: dropping its journal: %v", name, err)
	}
	if f.checker != nil {
		if err := f.checker.forget(ctx, name); err != nil {
			log.Warningf("Zone %s: dropping its stored conversions: %v", name, err)
		}
	}
}

func zoneNames(zs []*zone) []string {
	out := make([]string, len(zs))
	for i, z := range zs {
		out[i] = z.name
	}
	slices.Sort(out)
	return out
}

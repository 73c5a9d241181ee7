package sqlbackend

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/feed"
	"github.com/hostdns/hostdns/plugin/sqlbackend/snapshot"
	"github.com/hostdns/hostdns/plugin/sqlbackend/zoneset"
)

// source holds every zone of one database in memory and keeps it fresh: it
// wires the feed (which finds what changed) to the zone set (which holds the
// zones, built by sqlzone), and to the snapshot. It is shared, reference
// counted, by the plugin instances that name the same database with the same
// options (see acquire).
type source struct {
	key   string
	cfg   config
	store *sqlstore.Store
	snap  *snapshot.Snapshotter // nil without the snapshot option
	g     gauges
	zones *zoneset.Set
	feed  *feed.Feed

	stopSnap func() // ends the snapshot's writer and waits for it

	prepared atomic.Bool // the schema was ensured or verified (configerr.go)
	loaded   atomic.Bool // the first full load is done: ready

	keys *keyrings    // the served zones' DNSSEC keys (keys.go)
	xfr  *xfrSettings // their transfer settings (xfrmeta.go)

	subsMu sync.Mutex
	subs   map[*SQLBackend]struct{} // told when a zone changed (NOTIFY)

	refs int // under sourcesMu
}

func (s *source) checksum() bool { return s.cfg.detect == detectChecksum }

// newParts makes the zone set and the feed of s, once its store, snapshot
// and gauges are there.
func (s *source) newParts() {
	s.zones = zoneset.New(s.cfg.maxRecords, zoneReader{s}, zoneset.Metrics{
		Zones: s.g.zones, Records: s.g.records, Bad: s.g.bad,
		BadRows: badRecords, Conflicts: cnameConflicts, Patches: patches, Evictions: evictions, Dropped: zonesDropped,
	})
	s.feed = feed.New(feed.Config{
		Store: s.store, Poll: s.cfg.poll, GapTimeout: s.cfg.gapTimeout, Keep: s.cfg.keep,
		Checksum: s.checksum(), RedisAddr: s.cfg.redisAddr, RedisChannel: s.cfg.redisChannel,
		Tick: s.zones.Tick,
	}, feed.Metrics{
		Timed: timed, DBUp: s.g.dbUp, RedisUp: s.g.redisUp, ChangeApply: s.g.changeApply, ChangeLag: s.g.changeLag,
	}, s)
}

// startSnapshot runs the snapshot's writer until stopSnap.
func (s *source) startSnapshot() {
	s.stopSnap = func() {}
	if s.snap == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.snap.Run(ctx) }()
	s.stopSnap = func() { cancel(); <-done }
}

// Apply implements feed.Consumer.
func (s *source) Apply(ctx context.Context, id int64, t *sqlstore.Touch) ([]string, error) {
	changed, err := s.zones.Apply(ctx, id, t)
	if err == nil && s.snap != nil {
		s.snap.CopyZone(id, t)
	}
	return changed, err
}

// Touched implements feed.Consumer: the keys and transfer settings of the
// domains changed.
func (s *source) Touched(ctx context.Context, ids []int64) {
	s.loadKeys(ctx, ids)
	s.loadXfr(ctx, ids)
}

func (s *source) subscribe(b *SQLBackend) {
	s.subsMu.Lock()
	s.subs[b] = struct{}{}
	s.subsMu.Unlock()
}

func (s *source) unsubscribe(b *SQLBackend) {
	s.subsMu.Lock()
	delete(s.subs, b)
	s.subsMu.Unlock()
}

// Changed implements feed.Consumer: it tells the plugin instances (for
// NOTIFY) which zones changed.
func (s *source) Changed(zones []string) {
	if len(zones) == 0 {
		return
	}
	s.subsMu.Lock()
	defer s.subsMu.Unlock()
	for b := range s.subs {
		b.zonesChanged(zones)
	}
}

package sqlbackend

import (
	"context"
	"fmt"
	"sync"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/snapshot"
)

// Sources are shared: a Corefile reload neither reloads the zones nor opens
// new connections, as the new instance takes a reference before the old one
// drops its own.
var (
	sourcesMu sync.Mutex
	sources   = map[string]*source{}
	labelRefs = map[string]int{} // sources per gauge label: two configs may name one database
)

// acquire returns the running source for cfg, starting it if there is none,
// with b subscribed to its changes.
func acquire(cfg config, b *SQLBackend) (*source, error) {
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	key := cfg.key()
	if s, ok := sources[key]; ok {
		s.refs++
		s.subscribe(b)
		return s, nil
	}
	if cfg.dialect == sqlstore.SQLite {
		// A local file: creating and seeding it cannot wait for anything, and
		// an error here (bad seed file) must stop the start-up.
		if err := sqlstore.SeedSQLite(context.Background(), cfg.dsn, cfg.seed); err != nil {
			return nil, sqlstore.Classify(sqlstore.SQLite, err)
		}
	}
	st, err := sqlstore.Open(cfg.dialect, cfg.dsn)
	if err != nil {
		return nil, err
	}
	s := &source{key: key, cfg: cfg, store: st, keys: newKeyrings(), xfr: newXfrSettings(), subs: map[*SQLBackend]struct{}{}, refs: 1}
	if cfg.snapshot != "" {
		if s.snap, err = snapshot.Open(cfg.snapshot, st, timed); err != nil {
			st.Close()
			return nil, fmt.Errorf("snapshot %s: %w", cfg.snapshot, err)
		}
	}
	if err := s.preflight(); err != nil {
		if s.snap != nil {
			s.snap.Close()
		}
		st.Close()
		return nil, err
	}
	// After the last step that can fail: a source that never ran leaves no series.
	s.g = newGauges(string(cfg.dialect)+" "+maskDSN(cfg.dialect, cfg.dsn), cfg.redisAddr != "")
	s.newParts()
	sources[key] = s
	labelRefs[s.g.label]++
	s.subscribe(b)
	s.startSnapshot()
	s.feed.Start()
	return s, nil
}

// release drops a reference; the last one stops the feed and closes the
// database and Redis connections.
func (s *source) release() {
	sourcesMu.Lock()
	s.refs--
	last := s.refs == 0
	lastOfLabel := false
	if last {
		delete(sources, s.key)
		labelRefs[s.g.label]--
		if lastOfLabel = labelRefs[s.g.label] == 0; lastOfLabel {
			delete(labelRefs, s.g.label)
		}
	}
	sourcesMu.Unlock()
	if !last {
		return
	}
	s.feed.Stop()
	s.stopSnap()
	if s.snap != nil {
		s.snap.Close()
	}
	s.store.Close()
	s.zones.Clear()
	s.forgetKeys()
	if lastOfLabel {
		// No series left behind for a database the Corefile no longer names:
		// a db_up of 0 would read as an outage.
		s.g.remove()
	}
}

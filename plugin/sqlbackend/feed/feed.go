// Package feed keeps a copy of a database's zones fresh: a first full load,
// then a poll of the change log the triggers fill (or, with detect checksum,
// a comparison of every zone's fingerprint) at an interval, handing each
// changed domain to its Consumer. It rides out outages with a backoff, and
// resumes from its cursor, so no change is missed. It knows nothing of zones.
package feed

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/prometheus/client_golang/prometheus"
)

var log = clog.NewWithPlugin("sqlbackend")

// Timeouts of one round of the feed.
const (
	pollTimeout = 10 * time.Second
	loadTimeout = 10 * time.Minute
)

// Consumer is what the feed keeps fresh.
type Consumer interface {
	// Prepare readies the database, before a full load's first read.
	Prepare(ctx context.Context) error
	// Load reads every zone and serves them. It calls answered once the
	// database answered, before it swaps the zones in: Down is false from then.
	Load(ctx context.Context, answered func()) error
	// Apply brings domain id up to what the change log says of it, t, and
	// returns the zone names whose answers changed.
	Apply(ctx context.Context, id int64, t *sqlstore.Touch) (changed []string, err error)
	// Changed is told the zone names whose answers a poll changed.
	Changed(names []string)
	// Touched is told the domains a poll of the change log applied changes
	// to, once the other nodes were told.
	Touched(ctx context.Context, ids []int64)
	// Outage is told of a failed round when an outage starts (first) or its
	// kind of failure changes; kind is "Database unreachable" or "Database
	// configuration error", err says why.
	Outage(ctx context.Context, kind string, first bool, err error)
}

// Config is how the feed reads its database.
type Config struct {
	Store        *sqlstore.Store
	Poll         time.Duration
	GapTimeout   time.Duration
	Keep         int64 // changes left in the log below our position when pruning; 0: no pruning
	Checksum     bool  // detect checksum: compare fingerprints, there is no change log
	RedisAddr    string
	RedisChannel string
	Tick         func() // called at the start of every round; may be nil
}

// Metrics are where the feed reports; the plugin owns them.
type Metrics struct {
	Timed       func(kind string, op func() error) error // times and counts one database operation
	DBUp        prometheus.Gauge
	RedisUp     prometheus.Gauge // with Config.RedisAddr only
	ChangeApply prometheus.Observer
	ChangeLag   prometheus.Observer
}

// Feed is the goroutine that keeps a Consumer fresh.
type Feed struct {
	cfg   Config
	m     Metrics
	c     Consumer
	redis *notifier // nil without Config.RedisAddr

	downLogged string                         // the kind of failure last logged, "" when up
	prints     map[int64]sqlstore.Fingerprint // with detect checksum: the last fingerprints

	down   atomic.Bool  // the last round failed: the database is unreachable
	pos    atomic.Int64 // position in the change log, for pruning
	lastOK atomic.Int64 // start of the last successful round, Unix ns
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

// New returns a feed for c, not started.
func New(cfg Config, m Metrics, c Consumer) *Feed {
	f := &Feed{cfg: cfg, m: m, c: c, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	f.lastOK.Store(time.Now().UnixNano())
	if cfg.RedisAddr != "" {
		f.redis = newNotifier(cfg.RedisAddr, cfg.RedisChannel, f.Poke, m.RedisUp)
	}
	return f
}

// Start starts the feed; Stop stops it, and closes the Redis connections.
func (f *Feed) Start() { go f.run() }

// Stop ends the feed, waiting for its goroutines.
func (f *Feed) Stop() {
	close(f.stop)
	<-f.done
	if f.redis != nil {
		f.redis.close()
	}
}

// Poke makes the feed poll now instead of at its next tick.
func (f *Feed) Poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Down reports whether the database is unreachable as far as the feed knows.
func (f *Feed) Down() bool { return f.down.Load() }

// LastOK returns the start of the feed's last successful round, or the time
// it was made before the first.
func (f *Feed) LastOK() time.Time { return time.Unix(0, f.lastOK.Load()) }

// run is the feed: a first full load, then one indexed poll of the change log
// every cfg.Poll, applying only the domains named there. While the database
// is unreachable the zones in memory keep answering; the feed retries with a
// backoff, logs the outage once, and resumes from its cursor when the
// database is back, so it catches up with every change it missed.
func (f *Feed) run() {
	defer close(f.done)
	var (
		cursor  *sqlstore.Cursor
		pending = map[int64]*sqlstore.Touch{} // domains to patch or reload, kept across errors
		downAt  time.Time                     // start of the current outage, zero when up
		backoff time.Duration
	)
	f.m.DBUp.Set(0)
	// base is cancelled on shutdown, so a query in flight does not hold it up.
	base, cancelAll := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait() // before done is closed: no goroutine outlives the feed
	defer cancelAll()
	go func() {
		select {
		case <-f.stop:
			cancelAll()
		case <-base.Done():
		}
	}()
	if f.cfg.Keep > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); f.pruneLoop(base) }()
	}
	for {
		if f.cfg.Tick != nil {
			f.cfg.Tick()
		}
		round := time.Now()
		var err error
		cursor, err = f.round(base, cursor, pending, !downAt.IsZero())
		if cursor != nil {
			f.pos.Store(cursor.Pos)
		}
		if err != nil {
			select {
			case <-f.stop:
				return
			default:
			}
			if downAt.IsZero() {
				downAt = time.Now()
				f.down.Store(true)
				f.m.DBUp.Set(0)
			}
			f.logDown(base, sqlstore.Classify(f.cfg.Store.Dialect, err))
			backoff = nextBackoff(backoff)
		} else {
			if !downAt.IsZero() {
				log.Infof("Database is back after %s", time.Since(downAt).Round(time.Millisecond))
				downAt, f.downLogged = time.Time{}, ""
				f.down.Store(false)
			}
			f.m.DBUp.Set(1)
			f.lastOK.Store(round.UnixNano())
			backoff = 0
		}
		if !f.sleep(backoff) {
			return
		}
	}
}

// round is one round of the feed: a full load without a cursor, else a poll.
// It returns the cursor to go on from: nil when a full load is due.
func (f *Feed) round(base context.Context, cursor *sqlstore.Cursor, pending map[int64]*sqlstore.Touch, wasDown bool) (*sqlstore.Cursor, error) {
	// A poll on a connection that hangs must not stall the feed for long;
	// a full load of a big database may take minutes.
	timeout := pollTimeout
	if cursor == nil {
		timeout = loadTimeout
	}
	ctx, cancel := context.WithTimeout(base, timeout)
	defer cancel()
	switch {
	case cursor == nil:
		return f.fullLoad(ctx)
	case f.cfg.Checksum:
		return cursor, f.pollChecksum(ctx)
	case wasDown:
		// Back from an outage: if the log was pruned past our position, the
		// changes in between are lost to us; load everything, in the next
		// round, with the full load's timeout.
		gap, err := f.pruned(ctx, cursor)
		if err != nil {
			return cursor, err
		}
		if gap {
			log.Warningf("Change log was pruned past our position %d: loading all zones again", cursor.Pos)
			return nil, nil
		}
	}
	return cursor, f.poll(ctx, cursor, pending)
}

// sleep waits for the next round: the poll interval, or backoff when not 0,
// or a Poke. It reports false when the feed is stopped.
func (f *Feed) sleep(backoff time.Duration) bool {
	wait := f.cfg.Poll
	if backoff > 0 {
		wait = backoff
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-f.stop:
		return false
	case <-f.wake:
	case <-t.C:
	}
	return true
}

// nextBackoff doubles the wait between attempts up to 5 s: a database that
// is back is seen within 5 s, and one that is down is not hammered.
func nextBackoff(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return 100 * time.Millisecond
	case d >= 5*time.Second/2:
		return 5 * time.Second
	}
	return 2 * d
}

// logDown logs a failed round when it starts an outage or when the kind of
// failure changes: an outage (the server is down or slow) or a configuration
// error (it answers, but refuses us), with its fix.
func (f *Feed) logDown(base context.Context, err error) {
	kind := "Database unreachable"
	if sqlstore.IsConfigError(err) {
		kind = "Database configuration error"
	}
	if kind == f.downLogged {
		return
	}
	first := f.downLogged == ""
	f.downLogged = kind
	f.c.Outage(base, kind, first, err)
}

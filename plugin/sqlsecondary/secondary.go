// Package sqlsecondary pulls the secondary zones listed in SQL (domains rows
// of type SLAVE, the PowerDNS way) from their primaries and writes them into
// the records table, from where sqlbackend serves them on every node.
package sqlsecondary

import (
	"cmp"
	"context"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

var log = clog.NewWithPlugin("sqlsecondary")

// Secondary is the plugin: the scheduler of checks and transfers, and the
// handler of NOTIFYs and of queries for expired zones.
type Secondary struct {
	Next plugin.Handler

	cfg    config
	db     db
	lease  lease
	client client
	// minInterval is the shortest time between two checks of a zone, so a
	// SOA with refresh 0 does not make us poll its primary without pause.
	minInterval time.Duration
	// autoPort is the port supermasters answer on (asked for the zone's NS,
	// and written into master): 53 as PowerDNS, or the Corefile's.
	autoPort string

	mu     sync.RWMutex
	zones  map[int64]*zone
	byName map[string]*zone
	// names is a copy of byName for the query path, replaced (never
	// changed) when zones come or go, so queries take no lock.
	names  atomic.Pointer[map[string]*zone]
	supers map[string][]supermaster // by ip (a row per nameserver), when autosecondary
	active int                      // checks under way

	readErr  string // the last error reading the rows, logged once (run's goroutine only)
	tableErr string // the last error creating the lease table, likewise
	superErr string // the last error reading supermasters, likewise
	mark     int64  // the change log's newest id at the last read of the rows
	polls    int    // reads so far (run's goroutine only)

	loaded atomic.Bool   // the SLAVE rows were read once
	wake   chan struct{} // a NOTIFY or a finished check: look at the timers now
	reread chan struct{} // a row was inserted: read the rows now

	cancel context.CancelFunc
	wg     sync.WaitGroup
	// skew moves this instance's clock, for tests of the expire timer.
	skew atomic.Int64
}

// now is the time the timers count from.
func (s *Secondary) now() time.Time { return time.Now().Add(time.Duration(s.skew.Load())) }

// newSecondary makes the plugin for cfg, over store when it is opened
// already (else attach gives it before start).
func newSecondary(cfg config, store *sqlstore.Store) *Secondary {
	s := &Secondary{
		cfg:         cfg,
		client:      client{limits{timeout: cfg.timeout, idle: cfg.idle, maxRecords: cfg.maxRecords, maxBytes: cfg.maxBytes}},
		minInterval: 5 * time.Second,
		autoPort:    cmp.Or(cfg.autoPort, "53"),
		zones:       map[int64]*zone{},
		byName:      map[string]*zone{},
		wake:        make(chan struct{}, 1),
		reread:      make(chan struct{}, 1),
	}
	if store != nil {
		s.attach(store)
	}
	return s
}

// attach makes the plugin use store.
func (s *Secondary) attach(store *sqlstore.Store) {
	s.db = db{store}
	s.lease = lease{db: s.db, holder: s.cfg.node, length: s.cfg.lease}
}

// Name implements plugin.Handler.
func (s *Secondary) Name() string { return "sqlsecondary" }

// Ready implements ready.Readiness: ready once the SLAVE rows were read.
func (s *Secondary) Ready() bool { return s.loaded.Load() }

// start runs the scheduler until stop.
func (s *Secondary) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(ctx)
	}()
}

// stop ends the scheduler and every check under way (their transactions
// roll back) and waits for them.
func (s *Secondary) stop() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// run reads the rows every poll and starts the checks that are due, at
// most workers at once.
func (s *Secondary) run(ctx context.Context) {
	tableReady := false
	poll := time.NewTicker(s.cfg.poll)
	defer poll.Stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	read := func() {
		// The rows are read even while the lease table cannot be made
		// (no CREATE grant yet): zones are known, expire and NOTIFYs
		// work; transfers fail on the lease until it exists.
		if !tableReady {
			if err := s.lease.ensureTable(ctx); err != nil {
				dbErrors.Inc()
				if msg := err.Error(); msg != s.tableErr && ctx.Err() == nil {
					log.Errorf("creating hostdns_secondary_leases: %v", sqlstore.Classify(s.db.Dialect, err))
					s.tableErr = msg
				}
			} else {
				tableReady = true
			}
		}
		s.readRows(ctx)
	}
	read()
	for {
		wait := s.dispatch(ctx)
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			read()
		case <-s.reread:
			read()
		case <-s.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// fullReadEvery is how many polls may skip reading the rows because the
// change log did not move: every so often they are read whatever it says
// (a pruned log, a trigger missing on some table).
const fullReadEvery = 60

// readRows brings the zones in line with the SLAVE rows. The rows are read
// only when hostdns_changes moved since the last read (every change of a
// domains or records row is logged there), so an idle poll of 10,000
// zones costs one small query.
func (s *Secondary) readRows(ctx context.Context) {
	s.readSupermasters(ctx)
	mark, markErr := s.db.MaxChangeID(ctx)
	s.polls++
	if markErr == nil && s.loaded.Load() && mark == s.mark && s.polls%fullReadEvery != 0 {
		s.mu.Lock()
		s.gauge(s.now())
		s.mu.Unlock()
		return
	}
	rows, err := s.db.slaveRows(ctx)
	if err != nil {
		if ctx.Err() == nil {
			dbErrors.Inc()
			if msg := err.Error(); msg != s.readErr {
				log.Errorf("reading the SLAVE domains: %v", err)
				s.readErr = msg
			}
		}
		return
	}
	if s.readErr != "" {
		log.Infof("reading the SLAVE domains again")
		s.readErr = ""
	}
	if markErr == nil {
		s.mark = mark // taken before the read: a change during it is read next time
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	seen := make(map[int64]bool, len(rows))
	changed := s.names.Load() == nil
	for _, r := range rows {
		seen[r.id] = true
		changed = s.update(r, now) || changed
	}
	for id, z := range s.zones {
		if !seen[id] {
			delete(s.zones, id)
			if s.byName[z.name] == z {
				delete(s.byName, z.name)
			}
			changed = true
		}
	}
	if changed {
		names := make(map[string]*zone, len(s.byName))
		for n, z := range s.byName {
			names[n] = z
		}
		s.names.Store(&names)
	}
	s.loaded.Store(true)
	s.gauge(now)
}

// readSupermasters reads the supermasters table when autosecondary is on
// (it is small, and has no trigger: it is read every poll).
func (s *Secondary) readSupermasters(ctx context.Context) {
	if !s.cfg.autosecondary {
		return
	}
	supers, err := s.db.supermasters(ctx)
	if msg := errText(err); msg != s.superErr && ctx.Err() == nil {
		if err != nil {
			log.Errorf("reading supermasters: %v", err)
		}
		s.superErr = msg
	}
	if err != nil {
		return
	}
	m := make(map[string][]supermaster, len(supers))
	for _, sm := range supers {
		// Compared with a NOTIFY's source as written by net.IP.
		if a, err := netip.ParseAddr(sm.ip); err == nil {
			ip := a.Unmap().String()
			m[ip] = append(m[ip], sm)
		}
	}
	s.mu.Lock()
	s.supers = m
	s.mu.Unlock()
}

// update takes in one row: a new zone is due at once. It reports whether
// the zone is new or renamed.
func (s *Secondary) update(r slaveRow, now time.Time) (added bool) {
	z, ok := s.zones[r.id]
	if !ok || z.name != r.name {
		if ok {
			delete(s.byName, z.name)
		}
		z = &zone{id: r.id, name: r.name, next: now}
		s.zones[r.id] = z
		added = true
	}
	s.byName[r.name] = z
	if r.master != z.master || z.masters == nil && z.badRow == "" {
		z.master, z.badRow = r.master, ""
		masters, err := parseMasters(r.master)
		if err != nil {
			z.badRow = err.Error()
		}
		z.masters = masters
		z.ips = map[string]bool{}
		for _, ip := range masterIPs(masters) {
			z.ips[ip] = true
		}
	}
	if r.soa != z.soaText || added {
		// Parsed only when it changed: 10,000 rows are read every poll.
		z.soa, z.soaText = parseSOA(r.name, r.soa), r.soa
	}
	if r.lastCheck > 0 {
		if t := time.Unix(r.lastCheck, 0); t.After(z.lastCheck) {
			z.lastCheck = t
		}
	}
	if added {
		z.next = firstCheck(z, now)
	}
	z.publish()
	return added
}

// firstCheck is when a zone just read is first checked: at once when it
// was never transferred (a new row), else when its refresh, counted from
// last_check, comes, so a restart with 10,000 zones does not check them all
// at once; one overdue is checked within a tenth of its refresh (at most
// 30s), spread at random.
func firstCheck(z *zone, now time.Time) time.Time {
	if z.soa == nil || z.lastCheck.IsZero() {
		return now
	}
	if due := z.lastCheck.Add(jitter(z.refresh(), 0)); due.After(now) {
		return due
	}
	spread := min(z.refresh()/10, 30*time.Second)
	if spread <= 0 {
		return now
	}
	return now.Add(time.Duration(rand.Int64N(int64(spread))))
}

// dispatch starts the checks that are due, within the workers cap, and
// returns how long until the next one is.
func (s *Secondary) dispatch(ctx context.Context) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	wait := s.cfg.poll
	for _, z := range s.zones {
		if z.running {
			continue
		}
		if d := z.next.Sub(now); d > 0 {
			wait = min(wait, d)
			continue
		}
		if s.active >= s.cfg.workers {
			break
		}
		z.running, z.again = true, false
		s.active++
		c := checkOf(z)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			res := s.check(ctx, c)
			s.finish(z, res)
		}()
	}
	return max(wait, time.Millisecond)
}

// finish records a check's outcome and sets the zone's next check.
func (s *Secondary) finish(z *zone, res outcome) {
	s.mu.Lock()
	now := s.now()
	s.active--
	z.running = false
	if res.soa != nil {
		z.soa = res.soa
	}
	switch {
	case res.err == nil:
		z.failing, z.lastCheck = false, now
		if z.lastErr != "" {
			log.Infof("zone %s: transferred again from its primaries", z.name)
		}
		z.lastErr = ""
		z.next = now.Add(jitter(z.refresh(), s.minInterval))
	case res.held:
		// Another node transfers it: look again once its lease would end.
		z.next = now.Add(jitter(s.cfg.lease, time.Second))
	default:
		z.failing = true
		if msg := res.err.Error(); msg != z.lastErr {
			log.Warningf("zone %s: %v (keeping the last good copy)", z.name, res.err)
			z.lastErr = msg
		}
		z.next = now.Add(jitter(z.retry(), s.minInterval))
	}
	if z.again {
		z.next = now
	}
	z.publish()
	s.mu.Unlock()
	signal(s.wake)
}

// checkNow makes zone id due now: its NOTIFY came.
func (s *Secondary) checkNow(id int64) {
	s.mu.Lock()
	if z, ok := s.zones[id]; ok {
		z.next = s.now()
		z.again = z.running
	}
	s.mu.Unlock()
	signal(s.wake)
}

// expiredZone reports whether name is in an expired SLAVE zone (the
// closest enclosing one decides). It takes no lock: it is on every query's
// path.
func (s *Secondary) expiredZone(name string, now time.Time) bool {
	names := s.names.Load()
	if names == nil || len(*names) == 0 {
		return false
	}
	z := find(*names, name)
	return z != nil && z.expiredAt(now)
}

// find returns the zone of names that holds name, the closest enclosing one.
func find(names map[string]*zone, name string) *zone {
	name = dns.CanonicalName(name)
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if z, ok := names[name[off:]]; ok {
			return z
		}
	}
	return names["."]
}

// gauge sets the zones metrics, every poll; s.mu is held.
func (s *Secondary) gauge(now time.Time) {
	counts := map[string]float64{"fresh": 0, "refreshing": 0, "retrying": 0, "expired": 0, "new": 0}
	for _, z := range s.zones {
		counts[z.state(now)]++
	}
	for st, n := range counts {
		zonesGauge.WithLabelValues(st).Set(n)
	}
	expiredGauge.Set(counts["expired"])
}

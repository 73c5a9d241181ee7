package sqlsecondary

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// zone is the scheduler's view of one SLAVE row.
type zone struct {
	id      int64
	name    string
	master  string   // as stored, to notice a change
	masters []string // host:port
	ips     map[string]bool
	badRow  string // why master does not parse; "" when it does

	soa       *dns.SOA  // as stored; nil before the first transfer
	soaText   string    // the stored SOA row's content soa was parsed from
	lastCheck time.Time // the later of last_check and this node's last success

	next    time.Time // when to check again
	running bool      // a check is under way
	again   bool      // a NOTIFY came during the check: check again after it
	failing bool      // the last check failed
	lastErr string    // the last error logged, so a failure is logged once per change

	// expiry is expiresAt in unix nanoseconds (0: cannot expire), kept by
	// publish for the query path, which reads it without the lock.
	expiry atomic.Int64
}

// The zone timers when its SOA is unknown (not transferred yet).
const (
	defaultRefresh = time.Hour
	defaultRetry   = time.Minute
)

func (z *zone) refresh() time.Duration {
	if z.soa == nil {
		return defaultRefresh
	}
	return time.Duration(z.soa.Refresh) * time.Second
}

func (z *zone) retry() time.Duration {
	if z.soa == nil {
		return defaultRetry
	}
	return time.Duration(z.soa.Retry) * time.Second
}

// expiresAt is when the zone stops being served; zero when it cannot
// expire yet (never transferred, or no last_check to count from).
func (z *zone) expiresAt() time.Time {
	if z.soa == nil || z.lastCheck.IsZero() {
		return time.Time{}
	}
	return z.lastCheck.Add(time.Duration(z.soa.Expire) * time.Second)
}

func (z *zone) expired(now time.Time) bool {
	at := z.expiresAt()
	return !at.IsZero() && now.After(at)
}

// publish makes the zone's expiry seen by queries; s.mu is held.
func (z *zone) publish() {
	var at int64
	if t := z.expiresAt(); !t.IsZero() {
		at = t.UnixNano()
	}
	z.expiry.Store(at)
}

// expiredAt reports whether the zone is expired at now, without the lock.
func (z *zone) expiredAt(now time.Time) bool {
	at := z.expiry.Load()
	return at != 0 && now.UnixNano() > at
}

// state is the zone's state for the zones metric.
func (z *zone) state(now time.Time) string {
	switch {
	case z.expired(now):
		return "expired"
	case z.running:
		return "refreshing"
	case z.soa == nil:
		return "new"
	case z.failing:
		return "retrying"
	}
	return "fresh"
}

// jitter spreads d by up to 10 % either way, so zones added together do not
// stay in step, and keeps it at least min.
func jitter(d, min time.Duration) time.Duration {
	if d > 0 {
		d += time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	}
	return max(d, min)
}

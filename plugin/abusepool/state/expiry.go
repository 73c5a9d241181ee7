package state

import (
	"slices"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// expiryLoop removes each rule when it expires. It sleeps until the earliest expiry of the
// current view; every rebuild wakes it to look again, so a rule is gone within
// milliseconds of its time.
func (s *State) expiryLoop() {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if next := s.view.Load().next; next.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(time.Until(next))
		}
		select {
		case <-s.stop:
			return
		case <-s.wakeExpiry:
		case <-timer.C:
			s.expire(time.Now())
		}
	}
}

// expire drops every rule expired at now, logs and counts each, and queues the shared ones
// for deletion from Redis (whichever node sees a rule expire deletes it there).
func (s *State) expire(now time.Time) {
	var gone []rules.Rule
	s.mu.Lock()
	s.corefile = slices.DeleteFunc(s.corefile, func(r rules.Rule) bool {
		if r.Expired(now) {
			gone = append(gone, r)
			return true
		}
		return false
	})
	queued := false
	for id, r := range s.shared {
		if !r.Expired(now) {
			continue
		}
		gone = append(gone, r)
		delete(s.shared, id)
		if s.o.Redis == nil {
			continue
		}
		if _, isPending := s.pending[id]; isPending {
			s.pending[id] = &change{at: now} // it may be in Redis in an older form
		} else {
			s.expiredQ = append(s.expiredQ, r)
			queued = true
		}
	}
	if len(gone) > 0 {
		s.rebuild()
	}
	s.mu.Unlock()

	for _, r := range gone {
		log.Infof("Rule %s (%s) expired: %s", r.ID, r.Origin, describe(r))
		rulesExpired.WithLabelValues(string(r.Origin)).Inc()
	}
	if queued {
		s.redis.poke()
	}
}

package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// Put adds r, or replaces the rule with its id. It validates r, gives it an id when it has
// none and sets Created (an update keeps the old Created, and so its precedence). Origin
// becomes api unless it is dynamic.
func (s *State) Put(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	return s.change(ctx, r, false)
}

// Add is Put for a rule that must be new: ErrExists when a live rule has its id (an API
// POST, a dynamic rule that must not be re-added while one is active).
func (s *State) Add(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	return s.change(ctx, r, true)
}

func (s *State) change(ctx context.Context, r rules.Rule, mustBeNew bool) (rules.Rule, error) {
	now := time.Now().UTC()
	if err := s.prepare(&r, now); err != nil {
		return rules.Rule{}, err
	}
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	s.mu.Lock()
	if s.isCorefile(r.ID) {
		s.mu.Unlock()
		return rules.Rule{}, fmt.Errorf("%w: %s", ErrCorefileRule, r.ID)
	}
	old, exists := s.shared[r.ID]
	exists = exists && !old.Expired(now)
	s.mu.Unlock()
	if exists && mustBeNew {
		return rules.Rule{}, fmt.Errorf("%w: %s", ErrExists, r.ID)
	}
	if exists {
		r.Created = old.Created
	}
	if err := s.redis.write(ctx, r, mustBeNew); err != nil {
		return rules.Rule{}, err
	}
	if r.Origin != rules.FromDynamic { // the dynamic engine logs its own, with the reason
		log.Infof("Rule %s set (%s): %s", r.ID, r.Origin, describe(r))
	}
	return clone(r), nil
}

// Extend moves the expiry of the live dynamic rule id to until, when until is more than
// minGain after its current expiry, and shares the change as Put does (Redis, then every
// node). It reports whether it did. The dynamic engine extends a rule while its offender
// keeps going; minGain keeps it from writing on every check: a rule is written at most once
// per minGain of time, by whichever node gets there first (the others then see the new
// expiry). A rule that never expires, or another origin's, is left alone; ErrNotFound when
// there is no such live rule (deleted, expired: the engine adds it anew).
func (s *State) Extend(ctx context.Context, id string, until time.Time, minGain time.Duration) (bool, error) {
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	now := time.Now()
	s.mu.Lock()
	old, ok := s.shared[id]
	shadowed := s.isCorefile(id)
	s.mu.Unlock()
	switch {
	case !ok || old.Expired(now) || shadowed:
		return false, fmt.Errorf("%w: %s", ErrNotFound, id)
	case old.Origin != rules.FromDynamic || old.Expires.IsZero() || !until.After(old.Expires.Add(minGain)):
		return false, nil
	}
	r := clone(old)
	r.Expires = until.UTC()
	if err := s.redis.write(ctx, r, false); err != nil {
		return false, err
	}
	return true, nil
}

// prepare fills in what the State assigns and validates the result.
func (s *State) prepare(r *rules.Rule, now time.Time) error {
	if r.ID == "" {
		r.ID = newID()
	}
	if r.Origin != rules.FromDynamic {
		r.Origin = rules.FromAPI
	}
	r.Created = now
	if !r.Expires.IsZero() {
		r.Expires = r.Expires.UTC()
		if r.Expired(now) {
			return fmt.Errorf("%w: expires %s, in the past", rules.ErrInvalid, r.Expires.Format(time.RFC3339))
		}
	}
	return r.Validate(s.o.PoolExists)
}

// Delete removes the API or dynamic rule with id.
func (s *State) Delete(ctx context.Context, id string) error {
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	s.mu.Lock()
	_, known := s.shared[id]
	corefile := s.isCorefile(id)
	s.mu.Unlock()
	switch {
	case corefile:
		return fmt.Errorf("%w: %s", ErrCorefileRule, id)
	case !known:
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	s.redis.remove(ctx, id)
	log.Infof("Rule %s deleted", id)
	return nil
}

// apply makes r (or, when r is nil, no rule) the local rule with id, and when pending
// remembers the change for Redis. Caller holds mu.
func (s *State) apply(id string, r *rules.Rule, pending bool) {
	if r == nil {
		delete(s.shared, id)
	} else {
		s.shared[id] = *r
	}
	if pending {
		s.pending[id] = &change{rule: r, at: time.Now()}
	}
}

func (s *State) isCorefile(id string) bool {
	for _, r := range s.corefile {
		if r.ID == id {
			return true
		}
	}
	return false
}

// newID names a rule that came without an id: "r-" and 12 random hex digits.
func newID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "r-" + hex.EncodeToString(b)
}

// describe is a rule in one line for the log.
func describe(r rules.Rule) string {
	s := fmt.Sprintf("match %+v action %s", r.Match, r.Action)
	if r.Limit != nil {
		s += fmt.Sprintf(" %g/s burst %d per %s then %s", r.Limit.QPS, r.Limit.Burst, r.Limit.Per, r.Limit.Then)
	}
	if r.Pool != "" {
		s += " pool " + r.Pool
	}
	if !r.Expires.IsZero() {
		s += " until " + r.Expires.Format(time.RFC3339)
	}
	return s
}

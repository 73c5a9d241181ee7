package state

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// reread applies what Redis now holds for ids, after other nodes' changes.
func (r *redisShare) reread(ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.s
	s.mu.Lock()
	behind := len(s.pending) > 0 || !r.loaded.Load()
	s.mu.Unlock()
	if behind || r.down.Load() {
		r.resyncLocked()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	cmds := make([]*redis.StringCmd, len(ids))
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, r.hash, id)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		r.failed("read", err)
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for i, id := range ids {
		rule, ok := r.decode(id, cmds[i].Val())
		old, known := s.shared[id]
		switch {
		case !ok || rule.Expired(now):
			if known {
				s.apply(id, nil, false)
				changed = true
			}
		case !known || !reflect.DeepEqual(old, rule):
			s.apply(id, &rule, false)
			changed = true
		}
	}
	if changed {
		s.rebuild()
	}
}

// decode parses and validates a rule as Redis holds it; a bad one is logged once.
func (r *redisShare) decode(id, raw string) (rules.Rule, bool) {
	if raw == "" {
		return rules.Rule{}, false
	}
	rule, err := rules.ParseJSON([]byte(raw))
	if err == nil && rule.ID != id {
		err = fmt.Errorf("id %q under key %q", rule.ID, id)
	}
	if err == nil {
		err = rule.Validate(r.s.o.PoolExists)
	}
	if err != nil {
		if r.warned[id] != raw {
			r.warned[id] = raw
			redisErrors.WithLabelValues("decode").Inc()
			log.Warningf("Ignoring shared rule %s from Redis: %v", id, err)
		}
		return rules.Rule{}, false
	}
	delete(r.warned, id)
	return rule, true
}

package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// write stores rule here and in Redis. mustBeNew: ErrExists when Redis holds a live rule
// with its id that this node had not seen yet.
func (r *redisShare) write(ctx context.Context, rule rules.Rule, mustBeNew bool) error {
	if r.c == nil || r.down.Load() {
		r.local(rule.ID, &rule, r.c != nil)
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.store(ctx, rule, mustBeNew)
	switch {
	case errors.Is(err, ErrExists):
		return err
	case err != nil:
		r.failed("write", err)
		r.local(rule.ID, &rule, true)
	default:
		r.local(rule.ID, &rule, false)
	}
	return nil
}

func (r *redisShare) store(ctx context.Context, rule rules.Rule, mustBeNew bool) error {
	ctx, cancel := opContext(ctx)
	defer cancel()
	raw, err := json.Marshal(rule)
	if err != nil {
		return err
	}
	if mustBeNew {
		added, err := r.c.HSetNX(ctx, r.hash, rule.ID, raw).Result()
		if err != nil {
			return err
		}
		if added {
			return r.c.Publish(ctx, r.channel, rule.ID).Err()
		}
		if err := r.checkTaken(ctx, rule.ID); err != nil {
			return err
		}
		// What Redis held was expired or unusable: overwrite it.
	}
	_, err = r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.hash, rule.ID, raw)
		p.Publish(ctx, r.channel, rule.ID)
		return nil
	})
	return err
}

// checkTaken returns ErrExists, and learns the rule, when Redis holds a live rule with id;
// nil when what it holds is expired or unusable, to be overwritten.
func (r *redisShare) checkTaken(ctx context.Context, id string) error {
	raw, err := r.c.HGet(ctx, r.hash, id).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	old, ok := r.decode(id, raw)
	if !ok || old.Expired(time.Now()) {
		return nil
	}
	r.local(id, &old, false)
	return fmt.Errorf("%w: %s", ErrExists, id)
}

// remove deletes the rule with id here and in Redis.
func (r *redisShare) remove(ctx context.Context, id string) {
	if r.c == nil || r.down.Load() {
		r.local(id, nil, r.c != nil)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := opContext(ctx)
	defer cancel()
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, r.hash, id)
		p.Publish(ctx, r.channel, id)
		return nil
	})
	if err != nil {
		r.failed("delete", err)
	}
	r.local(id, nil, err != nil)
}

// local applies a change to this node's rules.
func (r *redisShare) local(id string, rule *rules.Rule, pending bool) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apply(id, rule, pending)
	s.rebuild()
}

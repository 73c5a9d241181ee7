package state

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// resync writes back what Redis missed and loads every shared rule from it.
func (r *redisShare) resync() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resyncLocked()
}

func (r *redisShare) resyncLocked() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*opTimeout)
	defer cancel()
	epoch, err := r.currentEpoch(ctx)
	if err != nil {
		r.failed("load", err)
		return
	}
	if r.epoch != "" && epoch != r.epoch {
		if err := r.seed(ctx); err != nil {
			r.failed("write", err)
			return
		}
	}
	written, err := r.flush(ctx)
	if err != nil {
		r.failed("write", err)
		return
	}
	all, err := r.c.HGetAll(ctx, r.hash).Result()
	if err != nil {
		r.failed("load", err)
		return
	}
	expired := r.load(all)
	r.epoch = epoch
	r.loaded.Store(true)
	r.recovered(written)
	for id, raw := range expired {
		r.deleteStale(ctx, id, raw)
	}
}

// currentEpoch returns the epoch key's value, setting it first when Redis has none.
func (r *redisShare) currentEpoch(ctx context.Context) (string, error) {
	epoch, err := r.c.Get(ctx, r.epochKey).Result()
	if !errors.Is(err, redis.Nil) {
		return epoch, err
	}
	if err := r.c.SetNX(ctx, r.epochKey, newEpoch(), 0).Err(); err != nil {
		return "", err
	}
	return r.c.Get(ctx, r.epochKey).Result()
}

// seed writes back the live rules this node knows after Redis lost them all, without
// overwriting any written since.
func (r *redisShare) seed(ctx context.Context) error {
	s := r.s
	now := time.Now()
	s.mu.Lock()
	var known []rules.Rule
	for id, rule := range s.shared {
		if _, isPending := s.pending[id]; !isPending && !rule.Expired(now) {
			known = append(known, rule)
		}
	}
	s.mu.Unlock()
	args := make([]any, 0, 3*len(known))
	for _, rule := range known {
		args = append(args, rule.ID, rule.Created.UnixMilli(), mustJSON(rule))
	}
	n, err := seedUnlessDeleted.Run(ctx, r.c, []string{r.hash, r.tombstones}, args...).Int()
	if err == nil {
		log.Warningf("Redis had lost the shared rules (restarted without persistence?): wrote back %d of the %d this node knows", n, len(known))
	}
	return err
}

// flush writes the changes made while Redis was unreachable, and publishes each.
func (r *redisShare) flush(ctx context.Context) (int, error) {
	s := r.s
	s.mu.Lock()
	batch := make(map[string]*change, len(s.pending))
	for id, c := range s.pending {
		batch[id] = c
	}
	s.mu.Unlock()
	if len(batch) == 0 {
		return 0, nil
	}
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for id, c := range batch {
			if c.rule == nil {
				p.HDel(ctx, r.hash, id)
				p.HSet(ctx, r.tombstones, id, c.at.UnixMilli())
			} else {
				p.HSet(ctx, r.hash, id, mustJSON(*c.rule))
			}
			p.Publish(ctx, r.channel, id)
		}
		p.Expire(ctx, r.tombstones, tombstoneTTL)
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	for id, c := range batch {
		if s.pending[id] == c { // not changed again meanwhile
			delete(s.pending, id)
		}
	}
	s.mu.Unlock()
	return len(batch), nil
}

// load replaces the shared rules with all (id -> JSON), over which the changes still
// pending go. It returns the expired entries, for deletion.
func (r *redisShare) load(all map[string]string) (expired map[string]string) {
	now := time.Now()
	fresh := make(map[string]rules.Rule, len(all))
	expired = map[string]string{}
	for id, raw := range all {
		rule, ok := r.decode(id, raw)
		switch {
		case !ok:
		case rule.Expired(now):
			expired[id] = raw
		default:
			fresh[id] = rule
		}
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shared = fresh
	for id, c := range s.pending {
		s.apply(id, c.rule, false)
	}
	s.rebuild()
	return expired
}

// deleteExpired deletes from Redis the rules that expired here.
func (r *redisShare) deleteExpired() {
	s := r.s
	s.mu.Lock()
	queue := s.expiredQ
	s.expiredQ = nil
	s.mu.Unlock()
	if r.down.Load() {
		return // the next load finds them expired and deletes them
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 3*opTimeout)
	defer cancel()
	for _, rule := range queue {
		r.deleteStale(ctx, rule.ID, mustJSON(rule))
	}
}

// deleteStale deletes id from Redis if it still holds raw, and tells the other nodes.
func (r *redisShare) deleteStale(ctx context.Context, id, raw string) {
	n, err := deleteIfSame.Run(ctx, r.c, []string{r.hash}, id, raw).Int()
	if err != nil {
		r.failed("delete", err)
		return
	}
	if n == 1 {
		r.c.Publish(ctx, r.channel, id)
	}
}

// mustJSON is a rule's JSON; a Rule always marshals.
func mustJSON(rule rules.Rule) string {
	b, err := json.Marshal(rule)
	if err != nil {
		panic(err)
	}
	return string(b)
}

package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// Sharing through Redis. The hash <prefix>rules maps each API and dynamic rule's id to its
// JSON; a change is written there and its id PUBLISHed on <prefix>rules-changed, whose
// subscribers re-read that id, and every node re-reads the whole hash every Resync (and
// after every re-subscription, when it may have missed messages). Corefile rules stay out.
//
// Redis unreachable: the known rules stay; changes apply here and wait in State.pending,
// written back (last writer wins per id) by the first resync that works. Redis restarted
// empty: the key <prefix>epoch, a random value, is gone or new; each node then writes back
// the rules it knows (HSETNX, so a rule written since wins), except those another node
// deleted during the outage: such deletes leave a tombstone, <prefix>deleted id -> when,
// for tombstoneTTL, and a rule created before its tombstone stays deleted.

const (
	opTimeout = time.Second            // one Redis conversation
	retryDown = 500 * time.Millisecond // resync while Redis is down or not loaded yet

	// tombstoneTTL keeps the deletes made during an outage long enough for every node to
	// have reconnected and written back what it knows.
	tombstoneTTL = 10 * time.Minute
)

// deleteIfSame deletes a hash field only if it still holds the value given: an expired
// rule re-added by another node in the meantime is left alone.
var deleteIfSame = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
	return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`)

// seedUnlessDeleted writes back rules (ARGV: id, created unix ms, JSON, ...) that are not in
// the hash, unless a tombstone newer than their creation says a node deleted them.
var seedUnlessDeleted = redis.NewScript(`
local n = 0
for i = 1, #ARGV, 3 do
	local gone = redis.call('HGET', KEYS[2], ARGV[i])
	if (not gone or tonumber(gone) < tonumber(ARGV[i+1])) and redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i+2]) == 1 then
		n = n + 1
	end
end
return n`)

type redisShare struct {
	s                       *State
	c                       redis.UniversalClient
	hash, channel, epochKey string
	tombstones              string // id -> when a node deleted it while Redis was away (unix ms)

	mu     sync.Mutex        // one conversation with Redis at a time, so changes stay in order
	epoch  string            // the epoch of the last load; guarded by mu
	warned map[string]string // id -> the entry that did not decode, logged once; guarded by mu

	down   atomic.Bool // Redis failed and has not worked since
	loaded atomic.Bool // the first load succeeded
	ps     *redis.PubSub
	wake   chan struct{} // expired rules queued for deletion
}

func (r *redisShare) init(s *State) {
	r.s, r.c = s, s.o.Redis
	r.hash = s.o.Prefix + "rules"
	r.channel = s.o.Prefix + "rules-changed"
	r.epochKey = s.o.Prefix + "epoch"
	r.tombstones = s.o.Prefix + "deleted"
	r.warned = map[string]string{}
	r.wake = make(chan struct{}, 1)
}

// start subscribes and runs the loop. go-redis re-subscribes by itself after a lost
// connection; the health check notices a dead one within a second.
func (r *redisShare) start() {
	// The first SUBSCRIBE may fail (Redis down); the channel's loop subscribes again on
	// every reconnection, so Start only waits so long for it.
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	r.ps = r.c.Subscribe(ctx, r.channel)
	msgs := r.ps.ChannelWithSubscriptions(
		redis.WithChannelHealthCheckInterval(time.Second),
		redis.WithChannelPingTimeout(opTimeout),
		redis.WithChannelReconnectTimeout(opTimeout))
	r.s.wg.Add(1)
	go r.run(msgs)
}

func (r *redisShare) close() {
	if r.ps != nil {
		r.ps.Close()
	}
}

func (r *redisShare) run(msgs <-chan any) {
	defer r.s.wg.Done()
	timer := time.NewTimer(0) // the first load, at once
	defer timer.Stop()
	for {
		select {
		case <-r.s.stop:
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			if ids, resubscribed := batch(m, msgs); resubscribed {
				r.resync() // messages may have been missed
				timer.Reset(r.interval())
			} else {
				r.reread(ids)
			}
		case <-timer.C:
			r.resync()
			timer.Reset(r.interval())
		case <-r.wake:
			r.deleteExpired()
		}
	}
}

// batch is the changed ids of m and of the messages already waiting behind it, so a burst
// (a flood makes many dynamic rules at once) costs one round trip and one rebuild, not one
// each. resubscribed: the connection was new, so a full resync is due instead.
func batch(m any, msgs <-chan any) (ids []string, resubscribed bool) {
	const most = 1000
	for {
		switch m := m.(type) {
		case *redis.Subscription:
			resubscribed = true
		case *redis.Message:
			if !slices.Contains(ids, m.Payload) && len(ids) < most {
				ids = append(ids, m.Payload)
			}
		}
		if len(ids) == most {
			return ids, resubscribed
		}
		select {
		case next, ok := <-msgs:
			if !ok {
				return ids, resubscribed
			}
			m = next
		default:
			return ids, resubscribed
		}
	}
}

func (r *redisShare) interval() time.Duration {
	if r.down.Load() || !r.loaded.Load() {
		return min(r.s.o.Resync, retryDown)
	}
	return r.s.o.Resync
}

func (r *redisShare) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

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

// failed counts a failed operation and marks Redis down.
func (r *redisShare) failed(op string, err error) {
	redisErrors.WithLabelValues(op).Inc()
	if !r.down.Swap(true) {
		redisUp.Set(0)
		log.Warningf("Redis unreachable (%s: %v): keeping the rules known, changes apply on this node until it is back", op, err)
	}
}

func (r *redisShare) recovered(written int) {
	redisUp.Set(1)
	if r.down.Swap(false) {
		log.Infof("Redis is back: %d changes made meanwhile written back", written)
	}
}

// newEpoch is a fresh random epoch value.
func newEpoch() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// opContext bounds one Redis conversation of a change. A caller that goes away (an API
// client hanging up) does not cut it short: a half-made change, and Redis taken for down,
// would be worse than finishing it.
func opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
}

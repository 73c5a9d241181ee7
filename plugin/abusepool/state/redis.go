package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
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

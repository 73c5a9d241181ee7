package ratelimit

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// maxSyncKeys bounds one sync's pipeline: the busiest keys matter, the rest can wait.
	maxSyncKeys = 1000
	// keyTTL keeps a second's count just long enough to be read while it is current.
	keyTTL = 3 * time.Second
	// syncTimeout bounds one sync, so an unreachable Redis cannot stall the loop for long.
	syncTimeout = time.Second
)

// sent is one key's part of a sync: what was sent, for which second, and its reply.
type sent struct {
	c      *counter
	sec    int64
	n      int64 // sent now
	synced int64 // sent this second, including n
	at     time.Time
	incr   *redis.IntCmd
}

func (l *Limiter) syncLoop() {
	defer close(l.done)
	tick := time.NewTicker(l.opts.Sync)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			l.sync()
		}
	}
}

// sync sends the busiest keys' new counts and reads back the fleet's totals.
func (l *Limiter) sync() {
	batch := l.take(l.busiest())
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	_, err := l.opts.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range batch {
			s := &batch[i]
			k := s.c.redisKey + ":" + strconv.FormatInt(s.sec, 10)
			s.incr = p.IncrBy(ctx, k, s.n)
			p.Expire(ctx, k, keyTTL)
		}
		return nil
	})
	l.record(batch)
	if err != nil {
		l.syncFailed(err)
		return
	}
	l.syncRecovered()
}

// candidate is an active counter's state when the sync began.
type candidate struct {
	c            *counter
	pending, own int64
}

// busiest returns up to maxSyncKeys counters used this second or the last, busiest first,
// and forgets the older ones.
func (l *Limiter) busiest() []candidate {
	l.mu.Lock()
	active := l.active
	l.active = nil
	l.mu.Unlock()

	oldest := l.latestSec.Load() - 1
	var cands []candidate
	var keep []*counter
	for _, c := range active {
		c.mu.Lock()
		if c.sec < oldest {
			c.queued = false
			c.mu.Unlock()
			continue
		}
		cands = append(cands, candidate{c, c.pending, c.own})
		c.mu.Unlock()
		keep = append(keep, c)
	}
	l.mu.Lock()
	l.active = append(l.active, keep...)
	l.mu.Unlock()

	sort.Slice(cands, func(i, j int) bool {
		if cands[i].pending != cands[j].pending {
			return cands[i].pending > cands[j].pending
		}
		return cands[i].own > cands[j].own
	})
	if len(cands) > maxSyncKeys {
		syncSkipped.Add(float64(len(cands) - maxSyncKeys))
		cands = cands[:maxSyncKeys]
	}
	return cands
}

// take moves each candidate's pending count into a batch to send. Keys with nothing new
// are sent too (INCRBY 0) to read the others' count.
func (l *Limiter) take(cands []candidate) []sent {
	batch := make([]sent, 0, len(cands))
	for _, cd := range cands {
		c := cd.c
		c.mu.Lock()
		n := c.pending
		c.pending = 0
		c.synced += n
		batch = append(batch, sent{c: c, sec: c.sec, n: n, synced: c.synced, at: c.seen})
		c.mu.Unlock()
	}
	return batch
}

// record takes each key's reply: the total gives the others' count; a failed INCRBY puts
// its count back to be sent next time. Replies are looked at one by one because a pipeline
// cut off halfway has applied some of its commands.
func (l *Limiter) record(batch []sent) {
	for _, s := range batch {
		total, err := s.incr.Result()
		s.c.mu.Lock()
		switch {
		case s.c.sec != s.sec: // a new second began meanwhile: this one no longer matters
		case err != nil:
			s.c.pending += s.n
			s.c.synced -= s.n
		default:
			s.c.others = max(total-s.synced, 0)
			s.c.othersAt = s.at
		}
		s.c.mu.Unlock()
	}
}

// syncFailed counts the failure and logs the loss of Redis once.
func (l *Limiter) syncFailed(err error) {
	redisErrors.Inc()
	if !l.redisDown {
		l.redisDown = true
		log.Warningf("Rate-limit counters cannot be shared through Redis, limiting per node: %v", err)
	}
}

// syncRecovered logs once that Redis is back.
func (l *Limiter) syncRecovered() {
	if l.redisDown {
		l.redisDown = false
		log.Infof("Rate-limit counters are shared through Redis again")
	}
}

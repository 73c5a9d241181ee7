package autocert

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultLockTTL is how long a lock outlives a redirector that died holding it. The
// holder extends it every third of that, so a long ACME order keeps it.
const defaultLockTTL = time.Minute

// lockPoll is how often a waiting Lock tries again.
const lockPoll = 500 * time.Millisecond

// heldLock is a lock this RedisStorage holds: its token, and the goroutine extending it.
type heldLock struct {
	token string
	lease time.Duration
	done  chan struct{}
}

// Compare-and-delete and compare-and-extend: only the holder (who knows the token)
// may release or extend a lock, never one that expired and was taken by another node.
var (
	unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)
	extendScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)
)

func (s *RedisStorage) lockKey(name string) string { return s.prefix + "lock:" + name }

// Lock takes the named lock across every node sharing the storage, waiting while
// another holds it; a holder that dies frees it after the lock's TTL.
func (s *RedisStorage) Lock(ctx context.Context, name string) error {
	for {
		ok, err := s.TryLock(ctx, name)
		if err != nil || ok {
			return err
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// TryLock takes the named lock if it is free (SET NX PX with a random token).
func (s *RedisStorage) TryLock(ctx context.Context, name string) (bool, error) {
	var b [16]byte
	rand.Read(b[:])
	h := &heldLock{token: hex.EncodeToString(b[:]), lease: s.lockTTL, done: make(chan struct{})}
	ok, err := s.client.SetNX(ctx, s.lockKey(name), h.token, s.lockTTL).Result()
	if err != nil || !ok {
		return false, err
	}
	s.mu.Lock()
	if old := s.held[name]; old != nil {
		close(old.done) // a lock that expired under us and was taken again
	}
	s.held[name] = h
	s.mu.Unlock()
	go s.keepAlive(name, h)
	return true, nil
}

// keepAlive extends a held lock until it is released, so it does not expire during a
// long order and let another node start a second one.
func (s *RedisStorage) keepAlive(name string, h *heldLock) {
	tick := time.NewTicker(s.lockTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-tick.C:
			s.mu.Lock()
			lease := h.lease
			s.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), s.lockTTL/3)
			n, err := extendScript.Run(ctx, s.client, []string{s.lockKey(name)}, h.token, lease.Milliseconds()).Int()
			cancel()
			if err == nil && n == 0 {
				log.Warningf("lock %s was lost (expired and taken over)", name)
				return
			}
		}
	}
}

// Unlock releases the named lock if this value still holds it.
func (s *RedisStorage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	h := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if h == nil {
		return fmt.Errorf("unlock %s: not held", name)
	}
	close(h.done)
	n, err := unlockScript.Run(ctx, s.client, []string{s.lockKey(name)}, h.token).Int()
	if err != nil {
		return fmt.Errorf("unlock %s: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("unlock %s: the lock had expired", name)
	}
	return nil
}

// RenewLockLease extends a held lock to lease from now, and keeps extending it by that
// much: certmagic asks before each retry of a long issuance.
func (s *RedisStorage) RenewLockLease(ctx context.Context, name string, lease time.Duration) error {
	s.mu.Lock()
	h := s.held[name]
	if h != nil && lease > h.lease {
		h.lease = lease
	}
	s.mu.Unlock()
	if h == nil {
		return fmt.Errorf("renew lock %s: not held", name)
	}
	n, err := extendScript.Run(ctx, s.client, []string{s.lockKey(name)}, h.token, lease.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("renew lock %s: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("renew lock %s: the lock had expired", name)
	}
	return nil
}

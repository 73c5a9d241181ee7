package harness

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisAddr is the Redis server the tests use unless HOSTDNS_REDIS_ADDR names
// another: the one test/scripts/ensure-services.sh sets up.
const DefaultRedisAddr = "127.0.0.1:6379"

// Redis is a key space reserved for one test on a shared Redis server.
type Redis struct {
	// Client is connected to the server; the test must only use keys starting with Prefix.
	Client *redis.Client
	// Addr is the server's host:port, for code under test that connects on its own.
	Addr string
	// Prefix starts every key the test may use; it ends in ':'.
	Prefix string
}

// NewRedis connects to the Redis server at $HOSTDNS_REDIS_ADDR (default
// DefaultRedisAddr) and reserves a key prefix unique to the test; when the test ends it
// deletes every key with that prefix and closes the client. Tests share one server (and
// database 0), so they keep apart by prefix, not by FLUSHDB. It fails the test when the
// server is unreachable: run test/scripts/ensure-services.sh.
func NewRedis(t testing.TB) *Redis {
	t.Helper()
	addr := os.Getenv("HOSTDNS_REDIS_ADDR")
	if addr == "" {
		addr = DefaultRedisAddr
	}
	client := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		t.Fatalf("Redis at %s is not reachable: %v\n"+
			"Tests need it: run test/scripts/ensure-services.sh as root (or set HOSTDNS_REDIS_ADDR).", addr, err)
	}

	r := &Redis{Client: client, Addr: addr, Prefix: uniqueName("hostdns-test:", t.Name(), 100) + ":"}
	t.Cleanup(func() {
		if err := r.deleteKeys(); err != nil {
			t.Errorf("deleting Redis keys %s*: %v", r.Prefix, err)
		}
		client.Close()
	})
	return r
}

// Key returns Prefix followed by name: a key the test may use.
func (r *Redis) Key(name string) string { return r.Prefix + name }

// deleteKeys removes every key under the prefix. SCAN, not KEYS, so a large shared
// server is never blocked; the prefix holds no glob characters, so MATCH is exact.
func (r *Redis) deleteKeys() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := r.Client.Scan(ctx, 0, r.Prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := r.Client.Del(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return r.Client.Del(ctx, batch...).Err()
	}
	return nil
}

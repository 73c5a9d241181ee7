package autocert

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/redis/go-redis/v9"
)

// RedisStorage is a certmagic.Storage on Redis, so redirectors that share it share one
// certificate (and one ACME account) per name, and answer each other's challenges.
//
// Keys under Prefix: "f:"+key is a hash of the value (v) and its modification time in
// Unix nanoseconds (m); "index" is a sorted set of every stored key, all at score 0, so
// the keys under a directory are one lexicographic range (ZRANGEBYLEX) and listing
// never scans the key space; "lock:"+name holds a lock's token.
type RedisStorage struct {
	client  *redis.Client
	prefix  string
	lockTTL time.Duration

	mu   sync.Mutex
	held map[string]*heldLock // locks this value holds, by name
}

var (
	_ certmagic.Storage          = (*RedisStorage)(nil)
	_ certmagic.TryLocker        = (*RedisStorage)(nil)
	_ certmagic.LockLeaseRenewer = (*RedisStorage)(nil)
)

// NewRedisStorage connects lazily to the Redis server at addr (host:port), database db.
func NewRedisStorage(addr string, db int, password, prefix string) *RedisStorage {
	return &RedisStorage{
		client:  redis.NewClient(&redis.Options{Addr: addr, DB: db, Password: password}),
		prefix:  prefix,
		lockTTL: defaultLockTTL,
		held:    map[string]*heldLock{},
	}
}

func (s *RedisStorage) fileKey(key string) string { return s.prefix + "f:" + key }
func (s *RedisStorage) indexKey() string          { return s.prefix + "index" }

// under returns the ZRANGEBYLEX bounds of the keys below directory dir: those starting
// with dir+"/", which sort from dir+"/" up to, not including, dir+"0" ('0' follows '/').
func under(dir string) (min, max string) {
	if dir == "" {
		return "-", "+"
	}
	return "[" + dir + "/", "(" + dir + "0"
}

// Store writes value at key.
func (s *RedisStorage) Store(ctx context.Context, key string, value []byte) error {
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.fileKey(key), "v", value, "m", time.Now().UnixNano())
		p.ZAdd(ctx, s.indexKey(), redis.Z{Member: key})
		return nil
	})
	return err
}

// Load reads the value at key.
func (s *RedisStorage) Load(ctx context.Context, key string) ([]byte, error) {
	v, err := s.client.HGet(ctx, s.fileKey(key), "v").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fs.ErrNotExist
	}
	return v, err
}

// Delete removes key and, when key is a directory, every key below it.
func (s *RedisStorage) Delete(ctx context.Context, key string) error {
	min, max := under(key)
	below, err := s.client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.indexKey(), Start: min, Stop: max, ByLex: true}).Result()
	if err != nil {
		return err
	}
	keys := append(below, key)
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, s.fileKey(k))
			p.ZRem(ctx, s.indexKey(), k)
		}
		return nil
	})
	return err
}

// Exists reports whether key is a stored value or a directory above one.
func (s *RedisStorage) Exists(ctx context.Context, key string) bool {
	n, err := s.client.Exists(ctx, s.fileKey(key)).Result()
	if err == nil && n > 0 {
		return true
	}
	isDir, err := s.isDir(ctx, key)
	return err == nil && isDir
}

func (s *RedisStorage) isDir(ctx context.Context, key string) (bool, error) {
	min, max := under(key)
	one, err := s.client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.indexKey(), Start: min, Stop: max, Count: 1, ByLex: true}).Result()
	return len(one) > 0, err
}

// Stat describes key: a value's size and modification time, or a directory.
func (s *RedisStorage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	var size *redis.IntCmd
	var mod *redis.StringCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		size = p.HStrLen(ctx, s.fileKey(key), "v")
		mod = p.HGet(ctx, s.fileKey(key), "m")
		return nil
	})
	if err == nil {
		ns, _ := mod.Int64()
		return certmagic.KeyInfo{Key: key, Size: size.Val(), Modified: time.Unix(0, ns), IsTerminal: true}, nil
	}
	if !errors.Is(err, redis.Nil) {
		return certmagic.KeyInfo{}, err
	}
	isDir, err := s.isDir(ctx, key)
	if err != nil {
		return certmagic.KeyInfo{}, err
	}
	if !isDir {
		return certmagic.KeyInfo{}, fs.ErrNotExist
	}
	return certmagic.KeyInfo{Key: key}, nil
}

// List returns the keys in directory dir: its direct children (values and directories),
// or with recursive every value and directory below it, as certmagic.FileStorage does.
func (s *RedisStorage) List(ctx context.Context, dir string, recursive bool) ([]string, error) {
	min, max := under(dir)
	below, err := s.client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.indexKey(), Start: min, Stop: max, ByLex: true}).Result()
	if err != nil {
		return nil, err
	}
	if len(below) == 0 {
		return nil, fs.ErrNotExist
	}
	return childKeys(dir, below, recursive), nil
}

// childKeys turns the sorted keys below dir into List's answer.
func childKeys(dir string, below []string, recursive bool) []string {
	base := dir
	if base != "" {
		base += "/"
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range below {
		parts := strings.Split(strings.TrimPrefix(k, base), "/")
		if !recursive {
			parts = parts[:1]
		}
		for i := range parts {
			p := base + strings.Join(parts[:i+1], "/")
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Close releases the locks this value holds and closes the connection pool.
func (s *RedisStorage) Close() error {
	s.mu.Lock()
	names := make([]string, 0, len(s.held))
	for name := range s.held {
		names = append(names, name)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, name := range names {
		s.Unlock(ctx, name)
	}
	return s.client.Close()
}

// String names the storage in certmagic's logs and storage checks.
func (s *RedisStorage) String() string {
	return "redis://" + s.client.Options().Addr + "/" + s.prefix
}

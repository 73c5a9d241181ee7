package flatten

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Redis is a Results in Redis, shared by every node: they feed the same conversions, and
// a restart loses nothing. A zone's results are one hash, PREFIX + "flatten:" + zone,
// with a field per owner and type ("www.example.org. 1") holding the encoded Result.
type Redis struct {
	client *redis.Client
	prefix string
}

// NewRedis returns a Redis store whose keys all start with prefix.
func NewRedis(client *redis.Client, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

func (s *Redis) key(zone string) string { return s.prefix + "flatten:" + zone }

func field(owner string, qtype uint16) string { return owner + " " + strconv.Itoa(int(qtype)) }

// Get implements Results. A value that cannot be decoded is an error.
func (s *Redis) Get(ctx context.Context, zone, owner string, qtype uint16) (Result, bool, error) {
	v, err := s.client.HGet(ctx, s.key(zone), field(owner, qtype)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Result{}, false, nil
	}
	if err != nil {
		return Result{}, false, fmt.Errorf("redis: %w", err)
	}
	r, err := Decode(v)
	if err != nil {
		return Result{}, false, err
	}
	return r, true, nil
}

// Put implements Results.
func (s *Redis) Put(ctx context.Context, zone, owner string, qtype uint16, r Result) error {
	v, err := Encode(r)
	if err != nil {
		return err
	}
	if err := s.client.HSet(ctx, s.key(zone), field(owner, qtype), v).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Retain implements Results.
func (s *Redis) Retain(ctx context.Context, zone string, keep []Key) error {
	fields, err := s.client.HKeys(ctx, s.key(zone)).Result()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	kept := make(map[string]bool, len(keep))
	for _, k := range keep {
		kept[field(k.Owner, k.Qtype)] = true
	}
	var drop []string
	for _, f := range fields {
		if !kept[f] {
			drop = append(drop, f)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	if err := s.client.HDel(ctx, s.key(zone), drop...).Err(); err != nil {
		return fmt.Errorf("redis: dropping %s: %w", strings.Join(drop, ", "), err)
	}
	return nil
}

// Forget implements Results.
func (s *Redis) Forget(ctx context.Context, zone string) error {
	if err := s.client.Del(ctx, s.key(zone)).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

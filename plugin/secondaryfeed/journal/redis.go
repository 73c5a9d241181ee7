package journal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/miekg/dns"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every Redis key of the store unless told otherwise.
const DefaultPrefix = "hostdns:secondaryfeed:"

// publishTries bounds the optimistic transactions of one Publish: each retry means
// another node published the same zone meanwhile, which is rare and settles at once.
const publishTries = 20

// Redis is a Store kept in Redis, shared by every node that uses the same server and
// prefix. Per zone it holds three keys: <prefix>zone:<zone>:version (the current
// version), :journal (a list of entries, oldest first) and :sizes (their sizes, in step).
type Redis struct {
	c      *redis.Client
	prefix string
	opt    Options

	mu    sync.Mutex
	cache map[string]cached // decoded current versions, by zone
}

type cached struct {
	raw string
	v   *Version
}

// NewRedis returns a store on c under prefix (DefaultPrefix when empty), bounded by opt.
func NewRedis(c *redis.Client, prefix string, opt Options) *Redis {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Redis{c: c, prefix: prefix, opt: opt.withDefaults(), cache: map[string]cached{}}
}

func (r *Redis) key(zone, kind string) string {
	return r.prefix + "zone:" + dns.CanonicalName(zone) + ":" + kind
}

// Current implements Store.
func (r *Redis) Current(ctx context.Context, zone string) (*Version, error) {
	return r.current(ctx, r.c, zone)
}

// current reads and decodes the zone's version through c (the client or a transaction),
// reusing the last decoding when the text is unchanged: a large zone takes long to parse.
func (r *Redis) current(ctx context.Context, c redis.Cmdable, zone string) (*Version, error) {
	raw, err := c.Get(ctx, r.key(zone, "version")).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.decode(zone, raw)
}

// decode decodes raw, the zone's version, reusing the last decoding when it is the same.
func (r *Redis) decode(zone, raw string) (*Version, error) {
	zone = dns.CanonicalName(zone)
	r.mu.Lock()
	hit := r.cache[zone]
	r.mu.Unlock()
	if hit.v != nil && hit.raw == raw {
		return hit.v, nil
	}
	v, err := decodeVersion(raw)
	if err != nil {
		return nil, fmt.Errorf("zone %s in Redis: %w", zone, err)
	}
	r.mu.Lock()
	r.cache[zone] = cached{raw: raw, v: v}
	r.mu.Unlock()
	return v, nil
}

// Publish implements Store: an optimistic transaction (WATCH, MULTI, EXEC) over the
// zone's keys, retried when another node changed them first, so two nodes publishing
// the same content end with one version, the same serial, byte for byte.
func (r *Redis) Publish(ctx context.Context, zone string, rrs []dns.RR) (*Version, bool, error) {
	soa, rest, err := normalize(rrs)
	if err != nil {
		return nil, false, err
	}
	for range publishTries {
		var v *Version
		var changed bool
		err := r.c.Watch(ctx, func(tx *redis.Tx) error {
			v, changed, err = r.publishTx(ctx, tx, zone, soa, rest)
			return err
		}, r.key(zone, "version"), r.key(zone, "journal"), r.key(zone, "sizes"))
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return v, changed, err
	}
	return nil, false, fmt.Errorf("publishing %s: Redis keys kept changing under %d transactions", zone, publishTries)
}

func (r *Redis) publishTx(ctx context.Context, tx *redis.Tx, zone string, soa *dns.SOA, rest []keyed) (*Version, bool, error) {
	cur, err := r.current(ctx, tx, zone)
	if err != nil {
		return nil, false, err
	}
	if sameContent(cur, soa, rest) {
		return cur, false, nil
	}
	var prev uint32
	if cur != nil {
		prev = cur.Serial
	}
	v := newVersion(soa, rest, NextSerial(prev, cur != nil, soa.Serial))
	var e *entry
	drop := 0
	if cur != nil {
		d := diff(cur, v)
		e = &d
		if drop, err = r.dropCount(ctx, tx, zone, e.size()); err != nil {
			return nil, false, err
		}
	}
	_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.key(zone, "version"), encodeVersion(v), 0)
		if e != nil {
			p.RPush(ctx, r.key(zone, "journal"), encodeEntry(*e))
			p.RPush(ctx, r.key(zone, "sizes"), e.size())
			p.LTrim(ctx, r.key(zone, "journal"), int64(drop), -1)
			p.LTrim(ctx, r.key(zone, "sizes"), int64(drop), -1)
		}
		return nil
	})
	return v, true, err
}

// dropCount says how many of the oldest entries go once an entry of size is added.
func (r *Redis) dropCount(ctx context.Context, tx *redis.Tx, zone string, size int) (int, error) {
	sizes, err := r.sizes(ctx, tx, zone)
	if err != nil {
		return 0, err
	}
	return trim(append(sizes, size), r.opt), nil
}

func (r *Redis) sizes(ctx context.Context, c redis.Cmdable, zone string) ([]int, error) {
	raw, err := c.LRange(ctx, r.key(zone, "sizes"), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	sizes := make([]int, len(raw))
	for i, s := range raw {
		if sizes[i], err = strconv.Atoi(s); err != nil {
			return nil, fmt.Errorf("zone %s journal size %q: %w", zone, s, err)
		}
	}
	return sizes, nil
}

// Since implements Store. The version and the journal are read in one transaction, so
// a Publish in between cannot pair a journal with the wrong current serial.
func (r *Redis) Since(ctx context.Context, zone string, serial uint32) (del, add []dns.RR, ok bool, err error) {
	var rawV *redis.StringCmd
	var rawJ *redis.StringSliceCmd
	_, err = r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		rawV = p.Get(ctx, r.key(zone, "version"))
		rawJ = p.LRange(ctx, r.key(zone, "journal"), 0, -1)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	cur, err := r.decode(zone, rawV.Val())
	if err != nil {
		return nil, nil, false, err
	}
	if cur.Serial == serial {
		return nil, nil, true, nil
	}
	es, err := decodeChain(rawJ.Val(), serial)
	if err != nil || es == nil {
		return nil, nil, false, err
	}
	del, add = condense(es)
	return del, add, true, nil
}

// decodeChain decodes the entries from the one starting at serial on; nil when none does.
func decodeChain(raw []string, serial uint32) ([]entry, error) {
	var es []entry
	for _, s := range raw {
		var from uint32
		if _, err := fmt.Sscanf(s, "%d ", &from); err == nil && es == nil && from != serial {
			continue // not decoded: only the chain's entries are needed
		}
		e, err := decodeEntry(s)
		if err != nil {
			return nil, err
		}
		if es != nil || e.From == serial {
			es = append(es, e)
		}
	}
	return es, nil
}

// Bytes implements Store.
func (r *Redis) Bytes(ctx context.Context, zone string) (int, error) {
	sizes, err := r.sizes(ctx, r.c, zone)
	n := 0
	for _, s := range sizes {
		n += s
	}
	return n, err
}

// Forget implements Store.
func (r *Redis) Forget(ctx context.Context, zone string) error {
	r.mu.Lock()
	delete(r.cache, dns.CanonicalName(zone))
	r.mu.Unlock()
	return r.c.Del(ctx, r.key(zone, "version"), r.key(zone, "journal"), r.key(zone, "sizes")).Err()
}

var (
	_ Store = (*Memory)(nil)
	_ Store = (*Redis)(nil)
)

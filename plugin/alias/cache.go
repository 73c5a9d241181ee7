package alias

import (
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cacheKey identifies one upstream lookup: a target name (lower case) and A or AAAA.
type cacheKey struct {
	name  string
	qtype uint16
}

// entry is the outcome of one upstream lookup. A negative entry (NXDOMAIN or NODATA) has
// no addresses. Entries outlive their TTL by the stale window, so that the last good
// addresses can still be served when every upstream fails.
type entry struct {
	addrs    []dns.RR // A or AAAA records; only their rdata is used
	negative bool
	expires  time.Time // end of the TTL the upstream gave
}

// ttl returns the seconds the entry has left at now, 0 once it expired.
func (e *entry) ttl(now time.Time) uint32 {
	d := e.expires.Sub(now)
	if d <= 0 {
		return 0
	}
	return uint32((d + time.Second - 1) / time.Second) // round up: 0 means expired
}

// cache holds upstream answers for targets outside the zones served here. It is a plain
// map behind a RWMutex: hits take the read lock only, and the map stays small (one entry
// per distinct external target and type). When full, an arbitrary entry makes room,
// preferring one that expired beyond the stale window.
type cache struct {
	mu       sync.RWMutex
	m        map[cacheKey]*entry
	capacity int
	stale    time.Duration
}

func newCache(capacity int, stale time.Duration) *cache {
	return &cache{m: make(map[cacheKey]*entry), capacity: capacity, stale: stale}
}

func key(name string, qtype uint16) cacheKey {
	return cacheKey{name: strings.ToLower(name), qtype: qtype}
}

func (c *cache) get(k cacheKey) *entry {
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	return e
}

func (c *cache) set(k cacheKey, e *entry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.capacity {
		c.evict(now)
	}
	c.m[k] = e
}

// evict removes one entry, an unusable one if it finds one among the first few: map
// iteration order is random, so this is random eviction, without a list to maintain.
func (c *cache) evict(now time.Time) {
	var victim cacheKey
	n := 0
	for k, e := range c.m {
		victim = k
		if now.Sub(e.expires) > c.stale {
			break
		}
		if n++; n >= 8 {
			break
		}
	}
	delete(c.m, victim)
}

func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

func seconds(s uint32) time.Duration { return time.Duration(s) * time.Second }

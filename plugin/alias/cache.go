package alias

import (
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
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

// cache holds upstream answers for targets outside the zones served here, at most
// capacity of them; the least recently used goes first. Expiry is the entry's own: an
// entry is kept past its TTL (for the stale window, checked by the caller) until it is
// the least recently used.
type cache struct {
	lru      *lru.Cache[cacheKey, *entry]
	capacity int
}

func newCache(capacity int) *cache {
	c, err := lru.New[cacheKey, *entry](capacity)
	if err != nil { // capacity < 1: setup refuses it
		panic(err)
	}
	return &cache{lru: c, capacity: capacity}
}

func key(name string, qtype uint16) cacheKey {
	return cacheKey{name: strings.ToLower(name), qtype: qtype}
}

func (c *cache) get(k cacheKey) *entry {
	e, _ := c.lru.Get(k)
	return e
}

func (c *cache) set(k cacheKey, e *entry) { c.lru.Add(k, e) }

func (c *cache) len() int { return c.lru.Len() }

func seconds(s uint32) time.Duration { return time.Duration(s) * time.Second }

package alias

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkCache is the upstream cache under a provider's load: 10,000
// targets in a cache of 1,000, looked up from every core, one in ten a miss
// that stores its answer and makes room.
func BenchmarkCache(b *testing.B) {
	const targets, capacity = 10000, 1000
	c := newCache(capacity)
	keys := make([]cacheKey, targets)
	for i := range keys {
		keys[i] = key(fmt.Sprintf("target%d.example.net.", i), 1)
	}
	now := time.Now()
	for _, k := range keys[:capacity] {
		c.set(k, &entry{expires: now.Add(time.Hour)})
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			k := keys[i%capacity]
			if i%10 == 0 {
				k = keys[(i*7919)%targets]
			}
			if c.get(k) == nil {
				c.set(k, &entry{expires: now.Add(time.Hour)})
			}
		}
	})
}

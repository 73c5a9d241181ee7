package sqlbackend

import (
	"fmt"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/file"
)

// BenchmarkLazyInstall is the cost, under source.mu, of putting a loaded
// zone in with max_records reached: 100,000 zones of 10 records in memory,
// the least recently used ones evicted to make room.
func BenchmarkLazyInstall(b *testing.B) {
	const zones, per = 100000, 10
	s := &source{cfg: config{maxRecords: zones * per}, zones: map[string]*file.Zone{}, ids: map[int64]string{},
		recs: map[string]int{}, rowIdx: map[string]rowIndex{}, bad: map[int64]int{}, signed: map[int64]string{},
		lz: newLazyState(), g: newGauges("bench", false)}
	b.Cleanup(s.g.remove)
	z := file.NewZone("x.", "")
	install := func(i int) {
		name := fmt.Sprintf("z%d.example.", i)
		s.tick()
		s.mu.Lock()
		s.installLazy(int64(i), name, z, per, nil)
		s.evict(name)
		s.mu.Unlock()
	}
	for i := range zones {
		install(i)
	}
	i := zones
	var longest time.Duration // queries wait for s.mu that long
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		install(i)
		longest = max(longest, time.Since(start))
		i++
	}
	b.ReportMetric(float64(longest.Microseconds()), "max-µs")
	b.ReportMetric(float64(i-len(s.zones))/float64(i-zones), "evictions/op")
}

package zoneset

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/sqlbackend/sqlzone"
	"github.com/prometheus/client_golang/prometheus"
)

// testMetrics are metrics of no registry.
func testMetrics() Metrics {
	g := func() prometheus.Gauge { return prometheus.NewGauge(prometheus.GaugeOpts{Name: "g"}) }
	c := func() prometheus.Counter { return prometheus.NewCounter(prometheus.CounterOpts{Name: "c"}) }
	return Metrics{Zones: g(), Records: g(), Bad: g(), BadRows: c(), Conflicts: c(), Patches: c(), Evictions: c(), Dropped: c()}
}

// zoneOf builds a zone of name holding n records (n >= 1: the SOA).
func zoneOf(t testing.TB, name string, n int) *sqlzone.Zone {
	rows := []sqlstore.Row{{ID: 1, Name: name, Type: "SOA", Content: "ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300", TTL: 300}}
	for i := 1; i < n; i++ {
		rows = append(rows, sqlstore.Row{ID: int64(i + 1), Name: fmt.Sprintf("h%d.%s", i, name), Type: "A", Content: "192.0.2.1", TTL: 300})
	}
	b := sqlzone.Build(name, rows, nil)
	if b.Zone == nil || b.Zone.Records() != n {
		t.Fatalf("zone %s of %d records not built: %+v", name, n, b)
	}
	return b.Zone
}

// put installs z as the zone of domain id named name, as a load does.
func (s *Set) put(id int64, name string, z *sqlzone.Zone) {
	s.Tick()
	s.mu.Lock()
	e := s.index(id, name)
	s.install(e, name, z)
	s.evict(name)
	s.mu.Unlock()
}

func (s *Set) loaded() (names []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for name, e := range s.names {
		if e.zone != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// TestEvictLeastRecentlyUsed: a zone asked for since it was loaded outlives
// the ones that were not, and the zone being installed is never evicted.
func TestEvictLeastRecentlyUsed(t *testing.T) {
	s := New(40, nil, testMetrics())
	ten := zoneOf(t, "x.", 10)
	s.put(1, "a.", ten)
	s.put(2, "b.", ten)
	s.put(3, "c.", ten)
	s.Tick()
	if name, z, cold, _ := s.longest("www.a.", 0, nil); name != "a." || z == nil || cold {
		t.Fatalf("a. not loaded: %q %v %t", name, z, cold)
	}
	s.put(4, "d.", zoneOf(t, "d.", 15)) // 45 > 40: down to 36 by evicting the least recently used, b.
	if got, want := s.loaded(), []string{"a.", "c.", "d."}; !slices.Equal(got, want) || s.total != 35 {
		t.Errorf("loaded %v (%d records), want %v (35)", got, s.total, want)
	}
	if _, _, cold, _ := s.longest("b.", 0, nil); !cold {
		t.Error("b. evicted but not cold")
	}
	s.put(5, "big.", zoneOf(t, "big.", 100)) // bigger than the bound alone: kept, everything else goes
	if got := s.loaded(); !slices.Equal(got, []string{"big."}) || s.order.Len() != 1 {
		t.Errorf("loaded %v, LRU %v: want big. alone", got, s.order.Keys())
	}
	checkRoutes(t, s)
}

// BenchmarkLazyInstall is the cost, under Set.mu, of putting a loaded zone
// in with max_records reached: 100,000 zones of 10 records in memory, the
// least recently used ones evicted to make room.
func BenchmarkLazyInstall(b *testing.B) {
	const zones, per = 100000, 10
	s := New(zones*per, nil, testMetrics())
	z := zoneOf(b, "x.", per)
	for i := range zones {
		s.put(int64(i), fmt.Sprintf("z%d.example.", i), z)
	}
	i := zones
	var longest time.Duration // queries wait for s.mu that long
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		s.put(int64(i), fmt.Sprintf("z%d.example.", i), z)
		longest = max(longest, time.Since(start))
		i++
	}
	b.ReportMetric(float64(longest.Microseconds()), "max-µs")
	b.ReportMetric(float64(i-len(s.loaded()))/float64(i-zones), "evictions/op")
}

// BenchmarkFullInstall is the cost, under Set.mu, of serving a full load of
// 100,000 zones in place of the 100,000 held: what queries wait for when a
// node reloads everything (start-up, a pruned change log).
func BenchmarkFullInstall(b *testing.B) {
	const zones = 100000
	s := New(0, nil, testMetrics())
	z := zoneOf(b, "x.", 10)
	doms := make(map[int64]string, zones)
	for i := range zones {
		doms[int64(i)] = fmt.Sprintf("z%d.example.", i)
	}
	load := func() *Load {
		l := s.NewLoad(doms)
		for id := range doms {
			l.zones[id] = z
		}
		return l
	}
	s.Install(load())
	for b.Loop() {
		b.StopTimer()
		l := load()
		b.StartTimer()
		s.Install(l)
	}
	if len(s.routes) != zones {
		b.Fatalf("%d routes after the install, want %d", len(s.routes), zones)
	}
}

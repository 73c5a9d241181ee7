package answercache

import (
	"sync"
	"sync/atomic"

	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of the answercache plugin, all under coredns_answercache_.
var (
	hitCount          = counter("hits_total", "Counter of queries answered from the cache.")
	missCount         = counter("misses_total", "Counter of cacheable queries not answered from the cache.")
	storeCount        = counter("stores_total", "Counter of answers stored.")
	evictionCount     = counter("evictions_total", "Counter of answers overwritten by newer ones in the size-bounded ring.")
	invalidationCount = counter("invalidations_total", "Counter of answers found stale at lookup: data they depend on changed.")
	rejectCount       = counter("admission_rejects_total", "Counter of answers not stored because their key was seen for the first time.")

	bypassCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "answercache",
		Name:      "bypass_total",
		Help:      "Counter of queries the cache does not look up, by reason (opcode, question, transfer, tsig, nsid, edns).",
	}, []string{"server", "reason"})

	fastHitCount    = counter("fastpath_hits_total", "Counter of hits answered by the fast path, before the server's loop (also counted in hits_total).")
	fastActiveGauge = gauge("fastpath_active", "1 while the fast path receives every IPv4 UDP query of the server, else 0.")

	bytesGauge   = gauge("bytes", "Bytes of answers held (keys and headers included); at most the configured size.")
	entriesGauge = gauge("entries", "Number of answers held.")
)

func counter(name, help string) *prometheus.CounterVec {
	return promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace, Subsystem: "answercache", Name: name, Help: help,
	}, []string{"server"})
}

func gauge(name, help string) *prometheus.GaugeVec {
	return promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace, Subsystem: "answercache", Name: name, Help: help,
	}, []string{"server"})
}

// serverMetrics are the metrics of one server label, resolved once: WithLabelValues on
// every hit would cost a hash and, for the variadic slice, an allocation.
type serverMetrics struct {
	server                                                  string
	hits, misses, stores, evictions, invalidations, rejects prometheus.Counter
	bypass                                                  [numReasons]prometheus.Counter
	fastHits                                                prometheus.Counter
	fastActive                                              prometheus.Gauge
}

// metricSet is the servers an instance has answered for (a block can listen on several),
// read without a lock on every query.
type metricSet struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*serverMetrics]
}

func (ms *metricSet) get(server string) *serverMetrics {
	if l := ms.list.Load(); l != nil {
		for _, m := range *l {
			if m.server == server {
				return m
			}
		}
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var old []*serverMetrics
	if l := ms.list.Load(); l != nil {
		old = *l
		for _, m := range old {
			if m.server == server {
				return m
			}
		}
	}
	m := &serverMetrics{
		server:        server,
		hits:          hitCount.WithLabelValues(server),
		misses:        missCount.WithLabelValues(server),
		stores:        storeCount.WithLabelValues(server),
		evictions:     evictionCount.WithLabelValues(server),
		invalidations: invalidationCount.WithLabelValues(server),
		rejects:       rejectCount.WithLabelValues(server),
		fastHits:      fastHitCount.WithLabelValues(server),
		fastActive:    fastActiveGauge.WithLabelValues(server),
	}
	for r := reasonOpcode; r < numReasons; r++ {
		m.bypass[r] = bypassCount.WithLabelValues(server, reasonNames[r])
	}
	l := append(append([]*serverMetrics(nil), old...), m)
	ms.list.Store(&l)
	return m
}

// gauges sets the size gauges of every server the instance answered for.
func (ms *metricSet) gauges(st *store) {
	l := ms.list.Load()
	if l == nil {
		return
	}
	b, n := float64(st.bytes()), float64(st.entries())
	for _, m := range *l {
		bytesGauge.WithLabelValues(m.server).Set(b)
		entriesGauge.WithLabelValues(m.server).Set(n)
	}
}

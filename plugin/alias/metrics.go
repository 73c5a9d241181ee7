package alias

import (
	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of the alias plugin, all under coredns_alias_.
var (
	lookupCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "lookups_total",
		Help:      "Counter of A/AAAA queries that met an ALIAS record, by result (answer, nodata, servfail).",
	}, []string{"server", "result"})

	cacheHitCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "cache_hits_total",
		Help:      "Counter of upstream target lookups answered from the cache, by kind (positive, negative).",
	}, []string{"server", "kind"})

	cacheMissCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "cache_misses_total",
		Help:      "Counter of upstream target lookups not in the cache or expired.",
	}, []string{"server"})

	cacheSize = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "cache_entries",
		Help:      "Number of target lookups held in the cache, stale ones included.",
	}, []string{"server"})

	upstreamDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "upstream_request_duration_seconds",
		Help:      "Histogram of the time each upstream exchange took, failed ones included.",
		Buckets:   plugin.TimeBuckets,
	}, []string{"to"})

	upstreamFailCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "upstream_failures_total",
		Help:      "Counter of upstream exchanges that failed: timeout, network error, SERVFAIL/REFUSED or another error rcode.",
	}, []string{"to"})

	memoHitCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "memo_hits_total",
		Help:      "Counter of ALIAS answers reused from the memo, without asking the data plugin.",
	}, []string{"server"})

	staleCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "alias",
		Name:      "stale_answers_total",
		Help:      "Counter of answers built from expired cached addresses because the upstreams failed.",
	}, []string{"server"})
)

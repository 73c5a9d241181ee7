package ratelimit

import (
	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	// keysTracked is how many (rule, key) pairs limiters hold: bounded by MaxKeys each.
	keysTracked = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "ratelimit_keys",
		Help:      "Gauge of the (rule, client/subnet/name) keys the rate limiter tracks.",
	})
	// redisErrors counts failed syncs with Redis; while they fail, limits are per node.
	redisErrors = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "ratelimit_redis_errors_total",
		Help:      "Counter of rate-limit counter syncs with Redis that failed.",
	})
	// syncSkipped counts keys left out of a sync because only the busiest are sent.
	syncSkipped = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "ratelimit_sync_skipped_keys_total",
		Help:      "Counter of rate-limit keys left out of a Redis sync because more than the busiest 1000 were active.",
	})
)

package pool

import (
	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of the pool plugin, all under coredns_pool_.
var (
	lookupCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "lookups_total",
		Help:      "Counter of A/AAAA/CNAME queries answered with a pool member.",
	}, []string{"server"})

	// A provider has a pool and members per customer: series per member are
	// opt-in (member_metrics), for a server with few pools.
	pickCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "picks_total",
		Help:      "Counter of answers with a pool member.",
	}, []string{"server"})

	memberPickCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "member_picks_total",
		Help:      "Counter of answers per pool (owner name) and member (target); only with member_metrics.",
	}, []string{"server", "pool", "member"})

	memoHitCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "memo_hits_total",
		Help:      "Counter of pool answers made from the memo, without asking the data plugin.",
	}, []string{"server"})

	// Health gauges without labels stay bounded however many members are checked; the
	// per-member gauge is opt-in, like member_picks_total.
	membersChecked = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "members_checked",
		Help:      "Pool members under health checks (asked about within the last hour).",
	})

	membersDown = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "members_down",
		Help:      "Pool members taken out because they failed their health checks.",
	})

	memberHealthy = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "member_healthy",
		Help:      "1 if the last health check of the member passed, 0 if it failed; only with member_metrics.",
	}, []string{"member"})

	allDownCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "all_down_total",
		Help:      "Counter of picks made among all members because every member failed its health check.",
	}, []string{"server"})

	poolAllDownCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "pool",
		Name:      "pool_all_down_total",
		Help:      "Counter of picks made among all members of a pool (owner name) because every member failed its health check; only with member_metrics.",
	}, []string{"server", "pool"})
)

package sqlsecondary

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of sqlsecondary, all under coredns_sqlsecondary_. No label holds
// a zone, a primary or a client: every label's values are a fixed set.
var (
	zonesGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsecondary",
		Name:      "zones",
		Help:      "Secondary zones by state (fresh, refreshing, retrying, expired, new), as this node sees them.",
	}, []string{"state"})

	expiredGauge = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsecondary",
		Name:      "expired_zones",
		Help:      "Secondary zones past their SOA expire, answered SERVFAIL.",
	})

	transfers = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsecondary",
		Name:      "transfers_total",
		Help:      "SOA checks and transfers, by kind (soa, ixfr, axfr) and result (ok, uptodate, newer, or the reason of a failure).",
	}, []string{"kind", "result"})

	lag = promauto.NewHistogram(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsecondary",
		Name:      "lag_seconds",
		Help:      "Time from seeing a newer serial at a primary to the zone written in SQL.",
		Buckets:   []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	})

	notifies = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsecondary",
		Name:      "notifies_total",
		Help:      "NOTIFYs for secondary zones, by result (accepted, refused, autosecondary, error).",
	}, []string{"result"})

	leases = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsecondary",
		Name:      "lease_total",
		Help:      "Transfer lease attempts, by result (acquired, held_elsewhere, lost, error).",
	}, []string{"result"})

	dbErrors = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsecondary",
		Name:      "database_errors_total",
		Help:      "Failed reads of the SLAVE domains (and failures to create the lease table).",
	})
)

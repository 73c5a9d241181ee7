package secondaryfeed

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of secondaryfeed, all under coredns_secondaryfeed_. Only the serial has a
// zone label: the issue asks for it per zone, and its cardinality is the fed zones.
var (
	serialGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "secondaryfeed",
		Name:      "serial",
		Help:      "The fed SOA serial of each zone.",
	}, []string{"zone"})

	transfers = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "secondaryfeed",
		Name:      "transfers_total",
		Help:      "Counter of AXFR/IXFR requests, by kind (axfr, ixfr, ixfr_fallback, uptodate) and result (ok, refused, notauth, formerr, not_built, error).",
	}, []string{"kind", "result"})

	builds = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "secondaryfeed",
		Name:      "builds_total",
		Help:      "Counter of zone builds, by result (published, unchanged, source_error, pipeline_error, journal_error).",
	}, []string{"result"})

	journalBytes = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "secondaryfeed",
		Name:      "journal_bytes",
		Help:      "Wire size of the records held in the journals of the fed zones, as of their last builds.",
	})
)

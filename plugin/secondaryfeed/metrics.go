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
		Help:      "Counter of AXFR/IXFR requests, by kind (axfr, ixfr, ixfr_fallback, uptodate), result (ok, refused, notauth, formerr, not_built, error) and peer (key:NAME or cidr:PREFIX that let it in, none).",
	}, []string{"kind", "result", "peer"})

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

var (
	validationFailures = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "secondaryfeed",
		Name:      "validation_failures_total",
		Help:      "Counter of zone builds not fed because validation found errors (the last valid version keeps feeding).",
	})

	conversionFailures = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "secondaryfeed",
		Name:      "conversion_failures_total",
		Help:      "Counter of ALIAS/URL conversions that failed in a build, by result (stale: the last good records were fed; failed: none to feed).",
	}, []string{"result"})

	staleConversions = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "secondaryfeed",
		Name:      "stale_conversions",
		Help:      "ALIAS/URL conversions currently fed from their last good result because resolving them failed.",
	})
)

var notifies = promauto.NewCounterVec(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "secondaryfeed",
	Name:      "notifies_total",
	Help:      "Counter of NOTIFY attempts by result: sent, acked (acknowledged) and failed (retried with backoff).",
}, []string{"result"})

package sqlsign

import (
	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of the sqlsign plugin, all under coredns_sqlsign_. Labels are
// bounded: the server and the DNSSEC algorithm, never a zone.
var (
	signaturesMade = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsign",
		Name:      "signatures_made_total",
		Help:      "Counter of RRSIGs computed (not taken from the cache), by server and algorithm.",
	}, []string{"server", "algorithm"})

	cacheHits = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsign",
		Name:      "cache_hits_total",
		Help:      "Counter of signatures taken from the cache.",
	}, []string{"server"})

	cacheMisses = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsign",
		Name:      "cache_misses_total",
		Help:      "Counter of signatures not in the cache.",
	}, []string{"server"})

	signingFailures = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsign",
		Name:      "signing_failures_total",
		Help:      "Counter of signatures that could not be made (the RRset goes out without that RRSIG).",
	}, []string{"server"})

	cacheEntries = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsign",
		Name:      "cache_entries",
		Help:      "Number of signatures held in the cache.",
	}, []string{"server"})

	answersSigned = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlsign",
		Name:      "answers_signed_total",
		Help:      "Counter of answers to which at least one RRSIG was added.",
	}, []string{"server"})
)

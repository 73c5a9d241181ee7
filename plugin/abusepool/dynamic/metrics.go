package dynamic

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// rulesAdded counts the rules thresholds made, by trigger (four values, a bounded label).
var rulesAdded = promauto.NewCounterVec(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "abusepool",
	Name:      "dynamic_rules_added_total",
	Help:      "Counter of rules the dynamic thresholds added, by trigger.",
}, []string{"trigger"})

// rulesExtended counts the extensions of a dynamic rule whose offender kept going, by trigger.
var rulesExtended = promauto.NewCounterVec(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "abusepool",
	Name:      "dynamic_rules_extended_total",
	Help:      "Counter of dynamic rules extended by BLOCKFOR because their offender was still over the threshold, by trigger.",
}, []string{"trigger"})

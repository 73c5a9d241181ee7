package state

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

const subsystem = "abusepool"

var (
	// rulesInForce counts the rules in force by origin, summed over the States of the
	// process (each adds what it holds and takes it away again on Stop).
	rulesInForce = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: subsystem,
		Name:      "rules",
		Help:      "Rules in force, by origin (corefile, api, dynamic).",
	}, []string{"origin"})

	// redisUp says whether the rule sharing reaches Redis.
	redisUp = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: subsystem,
		Name:      "redis_up",
		Help:      "1 while the shared rules reach Redis, 0 while it is unreachable (rules stay per node).",
	})

	// rulesExpired counts rules removed because their time ran out.
	rulesExpired = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: subsystem,
		Name:      "rules_expired_total",
		Help:      "Rules removed when they expired, by origin (corefile, api, dynamic).",
	}, []string{"origin"})

	// redisErrors counts failed Redis operations of the rule sharing.
	redisErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: subsystem,
		Name:      "redis_errors_total",
		Help:      "Failed Redis operations of the rule sharing, by op (load, read, write, delete, decode).",
	}, []string{"op"})
)

var origins = []rules.Origin{rules.FromCorefile, rules.FromAPI, rules.FromDynamic}

// countRules moves the rules gauge by the difference between list and what this State
// counted before. Caller holds mu.
func (s *State) countRules(list []rules.Rule) {
	now := map[rules.Origin]int{}
	for _, r := range list {
		now[r.Origin]++
	}
	for _, o := range origins {
		if d := now[o] - s.counted[o]; d != 0 {
			rulesInForce.WithLabelValues(string(o)).Add(float64(d))
		}
		s.counted[o] = now[o]
	}
}

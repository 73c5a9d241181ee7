package abusepool

import (
	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Labels are bounded: an action is one of six words, a pool one of the names the Corefile
// gives, a result one of three. Never a rule id, a client or a query name.
var (
	requestsCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "requests_total",
		Help:      "Queries by what abusepool did with them (pass, drop, refused, truncate, ratelimited, pool).",
	}, []string{"action"})

	poolRequestsCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "pool_requests_total",
		Help:      "Queries sent to an abuse pool, by pool and result (answered, over_qps, error).",
	}, []string{"pool", "result"})
)

// ratelimited is the requests_total label of a query over its rate limit, whatever the
// limit's Then action did to it.
const ratelimited = "ratelimited"

// actionCounters holds the requests_total counter of every action, looked up once: the
// hot path increments a counter without a label lookup or an allocation.
type actionCounters struct {
	pass, drop, refused, truncate, ratelimited, pool prometheus.Counter
}

func newActionCounters() actionCounters {
	return actionCounters{
		pass:        requestsCount.WithLabelValues(string(rules.Pass)),
		drop:        requestsCount.WithLabelValues(string(rules.Drop)),
		refused:     requestsCount.WithLabelValues(string(rules.Refused)),
		truncate:    requestsCount.WithLabelValues(string(rules.Truncate)),
		ratelimited: requestsCount.WithLabelValues(ratelimited),
		pool:        requestsCount.WithLabelValues(string(rules.Pool)),
	}
}

// Results of a query sent to an abuse pool.
const (
	poolAnswered = "answered" // an upstream answered, the answer was sent on
	poolOverQPS  = "over_qps" // the pool's max_qps was reached: dropped
	poolError    = "error"    // no upstream answered: SERVFAIL
)

package abusepool

import (
	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
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

// The inspection's own health, read at scrape time from every running inspector (one per
// server block; an instance and its reload share one): what its summaries hold, which its
// configuration bounds whatever a flood brings, and how many queries a full recorder queue
// left uncounted in the window.
var (
	_ = promauto.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "inspection_memory_bytes",
		Help:      "Estimated memory of the inspection's top-k summaries, bounded by window, buckets and capacity.",
	}, func() float64 {
		return sumInspectors(func(i *inspect.Inspector) float64 { return float64(i.MemoryBytes()) })
	})

	_ = promauto.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "inspection_unsampled",
		Help:      "Queries in the inspection window that a full recorder queue left uncounted.",
	}, func() float64 {
		return sumInspectors(func(i *inspect.Inspector) float64 { return float64(i.Rates(0).UnsampledInWindow) })
	})
)

func sumInspectors(f func(*inspect.Inspector) float64) float64 {
	carryMu.Lock()
	list := make([]*inspect.Inspector, 0, len(inspectors))
	for _, s := range inspectors {
		list = append(list, s.inspector)
	}
	carryMu.Unlock()
	sum := 0.0
	for _, i := range list {
		sum += f(i)
	}
	return sum
}

package sqlbackend

import (
	"time"

	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
)

// stale_seconds is computed when scraped, from the time of the last round of
// the feed that read the database: a database that stops answering without
// closing the connection (a frozen host, a network partition) hangs the poll
// until its timeout, and a gauge set by the feed would read 0 all that time.

var staleDesc = prometheus.NewDesc(
	prometheus.BuildFQName(plugin.Namespace, "sqlbackend", "stale_seconds"),
	"Seconds since the feed last read the database, beyond the poll interval: how much older than promised the answers may be; 0 while polls succeed.",
	[]string{"database"}, nil)

type staleCollector struct{}

func init() { prometheus.MustRegister(staleCollector{}) }

// Describe implements prometheus.Collector.
func (staleCollector) Describe(ch chan<- *prometheus.Desc) { ch <- staleDesc }

// Collect implements prometheus.Collector: one series per database label;
// of two sources with one label (same database, other options), the staler.
func (staleCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	by := map[string]float64{}
	sourcesMu.Lock()
	for _, s := range sources {
		by[s.g.label] = max(by[s.g.label], s.staleness(now).Seconds())
	}
	sourcesMu.Unlock()
	for label, v := range by {
		ch <- prometheus.MustNewConstMetric(staleDesc, prometheus.GaugeValue, v, label)
	}
}

// staleness is the time since the start of the feed's last successful round
// (or since the source started, before the first), less the poll interval
// the answers are anyway allowed to lag by.
func (s *source) staleness(now time.Time) time.Duration {
	return max(0, now.Sub(s.feed.LastOK())-s.cfg.poll)
}

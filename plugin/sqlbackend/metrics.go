package sqlbackend

import (
	"time"

	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	// answersCount counts answers given from memory, by server and result.
	answersCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "answers_total",
		Help:      "Answers given from memory, by result (success, nodata, nxdomain, delegation, servfail, refused, notready).",
	}, []string{"server", "result"})

	// dbQueries counts queries sent to the database, by kind.
	dbQueries = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "db_queries_total",
		Help:      "Queries sent to the database, by kind (poll, zone, load, schema, prune, keys, snapshot).",
	}, []string{"kind"})

	// dbDuration is the latency of those queries.
	dbDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "db_query_duration_seconds",
		Help:      "Latency of database queries, by kind.",
		Buckets:   prometheus.ExponentialBuckets(0.0005, 4, 9), // 0.5 ms .. 33 s
	}, []string{"kind"})

	// dbErrors counts failed database operations, by kind.
	dbErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "db_errors_total",
		Help:      "Failed database operations, by kind.",
	}, []string{"kind"})

	// zonesLoaded and recordsLoaded describe what is in memory.
	zonesLoaded = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "zones",
		Help:      "Zones held in memory, by database.",
	}, []string{"database"})
	recordsLoaded = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "records",
		Help:      "Records held in memory, by database.",
	}, []string{"database"})

	// badRecords counts rows that were skipped because they do not parse:
	// again at every rebuild of their zone, so it measures churn; badNow
	// says how many are in the database now.
	badRecords = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "bad_records_total",
		Help:      "Database rows skipped because they do not make a valid record, counted at every load of their zone.",
	})
	badNow = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "bad_records",
		Help:      "Database rows skipped now because they do not make a valid record, as of the last read of each zone, by database.",
	}, []string{"database"})

	// cnameConflicts counts names where a CNAME sits beside other data, at
	// every build of a zone and every patch adding to one (sqlzone): the
	// CNAME hides the rest.
	cnameConflicts = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "cname_conflicts_total",
		Help:      "Names where a CNAME sits beside other data (apex included), counted at each zone build or patch.",
	})

	// patches counts zones changed by patching records in rather than by a
	// rebuild (sqlzone).
	patches = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "zone_patches_total",
		Help:      "Changes applied to a big zone by patching the changed records in, without a rebuild.",
	})

	// changeApply is the time from noticing a change to serving it.
	changeApply = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "change_apply_seconds",
		Help:      "Time from reading a change from the log to serving the rebuilt zone, by database.",
		Buckets:   prometheus.ExponentialBuckets(0.0005, 4, 9),
	}, []string{"database"})

	// changeLag is the age of the newest change applied, by the database's clock
	// at commit and ours at apply: commit-to-answer delay, give or take clock skew.
	changeLag = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "change_lag_seconds",
		Help:      "Time from a change's commit (database clock) to its zone being served, by database.",
		Buckets:   []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 60},
	}, []string{"database"})

	// dbUp is 1 while the database answers, 0 during an outage.
	dbUp = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "sqlbackend",
		Name:      "db_up",
		Help:      "1 while the database answers, 0 during an outage.",
	}, []string{"database"})
)

// redisUp is 1 while Redis pub/sub works, 0 when it does not (polling alone).
// A database without the redis option has no series: a 0 there would read as
// an outage.
var redisUp = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Namespace: plugin.Namespace,
	Subsystem: "sqlbackend",
	Name:      "redis_up",
	Help:      "1 while change notifications go through Redis, 0 when nodes fall back to polling alone.",
}, []string{"database"})

// gauges are the gauges of one source, labelled with its database (driver and
// DSN, password masked), so that a Corefile naming two databases shows each.
type gauges struct {
	label                             string
	zones, records, dbUp, bad, signed prometheus.Gauge
	keysActive, keysInactive          prometheus.Gauge // DNSSEC keys of the signed zones
	redisUp                           prometheus.Gauge // nil without the redis option
	changeApply, changeLag            prometheus.Observer
}

func newGauges(label string, withRedis bool) gauges {
	g := gauges{label: label,
		zones: zonesLoaded.WithLabelValues(label), records: recordsLoaded.WithLabelValues(label),
		dbUp: dbUp.WithLabelValues(label), bad: badNow.WithLabelValues(label), signed: signedZones.WithLabelValues(label),
		keysActive: dnssecKeys.WithLabelValues(label, "active"), keysInactive: dnssecKeys.WithLabelValues(label, "inactive"),
		changeApply: changeApply.WithLabelValues(label), changeLag: changeLag.WithLabelValues(label)}
	if withRedis {
		g.redisUp = redisUp.WithLabelValues(label)
	}
	return g
}

// remove drops the source's series once it is released.
func (g gauges) remove() {
	for _, v := range []*prometheus.GaugeVec{zonesLoaded, recordsLoaded, dbUp, badNow, signedZones, redisUp} {
		v.DeleteLabelValues(g.label)
	}
	dnssecKeys.DeleteLabelValues(g.label, "active")
	dnssecKeys.DeleteLabelValues(g.label, "inactive")
	for _, v := range []*prometheus.HistogramVec{changeApply, changeLag} {
		v.DeleteLabelValues(g.label)
	}
}

// snapshotLoads counts cold zones loaded from the snapshot because the
// database did not answer.
var snapshotLoads = promauto.NewCounter(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "sqlbackend",
	Name:      "snapshot_zone_loads_total",
	Help:      "Zones loaded from the local snapshot because the database did not answer (max_records with snapshot).",
})

// evictions counts zones dropped from memory to stay within max_records.
var evictions = promauto.NewCounter(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "sqlbackend",
	Name:      "evictions_total",
	Help:      "Zones dropped from memory to stay within max_records; they are loaded again on next use.",
})

// zonesDropped counts zones taken offline because their SOA row was deleted,
// disabled or emptied: one UPDATE away from an outage of the zone, so worth
// an alert. Deleted domains are not counted.
var zonesDropped = promauto.NewCounter(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "sqlbackend",
	Name:      "zones_dropped_total",
	Help:      "Zones no longer served because they lost their enabled SOA record (deleted domains not counted).",
})

// notifiesDropped counts NOTIFY messages dropped: we are the primary.
var notifiesDropped = promauto.NewCounter(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "sqlbackend",
	Name:      "notifies_dropped_total",
	Help:      "NOTIFY messages received for zones served here and dropped, this plugin being the primary.",
})

// signedZones counts the zones with active DNSSEC keys in PowerDNS's
// cryptokeys table, which the sqlsign plugin signs (keys.go).
var signedZones = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Namespace: plugin.Namespace,
	Subsystem: "sqlbackend",
	Name:      "signed_zones",
	Help:      "Zones with active DNSSEC keys in the cryptokeys table, signed online by sqlsign, by database.",
}, []string{"database"})

// dnssecKeys counts the keys of the signed zones: active ones sign, inactive
// ones are published ahead of a rollover or kept after one. With
// signed_zones it gives the keys per zone.
var dnssecKeys = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Namespace: plugin.Namespace,
	Subsystem: "sqlbackend",
	Name:      "dnssec_keys",
	Help:      "DNSSEC keys of the zones signed online, by database and state (active, inactive).",
}, []string{"database", "state"})

// timed runs one database operation of kind, with metrics.
func timed(kind string, f func() error) error {
	start := time.Now()
	dbQueries.WithLabelValues(kind).Inc()
	err := f()
	dbDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	if err != nil {
		dbErrors.WithLabelValues(kind).Inc()
	}
	return err
}

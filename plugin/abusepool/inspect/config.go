package inspect

import "time"

// Config fixes the inspector's window and, through Capacity, its memory: every dimension keeps
// at most Capacity entries per bucket, whatever a flood brings.
type Config struct {
	Window      time.Duration // how far back the lists reach; default 60s
	Buckets     int           // the window is cut into this many buckets that rotate; default 12
	Capacity    int           // entries per dimension per bucket; default 1000
	GroupLabels int           // names are also grouped by their last 1..GroupLabels labels; default 3
	Queue       int           // events waiting for the aggregator; default 65536
	// Budget is how many events a second the summaries count one by one; default 10000.
	// Above it, one event in k is counted, with weight k (k = the last second's events over
	// Budget, rounded up): a flood costs the aggregator Budget events a second, not one per
	// query. Counts are then estimates of a 1-in-k sample; Rates stay close to exact.
	Budget int

	// Now is the clock; nil means time.Now. Tests pass their own so nothing sleeps.
	Now func() time.Time
}

// The defaults of Config's zero fields.
const (
	DefaultWindow      = 60 * time.Second
	DefaultBuckets     = 12
	DefaultCapacity    = 1000
	DefaultGroupLabels = 3
	DefaultQueue       = 65536
	DefaultBudget      = 10000
)

// withDefaults fills the zero (or negative) fields. A window shorter than its buckets is
// stretched to one nanosecond per bucket so a bucket is never zero wide.
func (c Config) withDefaults() Config {
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Buckets <= 0 {
		c.Buckets = DefaultBuckets
	}
	if c.Window < time.Duration(c.Buckets) {
		c.Window = time.Duration(c.Buckets)
	}
	if c.Capacity <= 0 {
		c.Capacity = DefaultCapacity
	}
	if c.GroupLabels < 0 {
		c.GroupLabels = 0
	}
	if c.GroupLabels == 0 {
		c.GroupLabels = DefaultGroupLabels
	}
	if c.Queue <= 0 {
		c.Queue = DefaultQueue
	}
	if c.Budget <= 0 {
		c.Budget = DefaultBudget
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// bucketWidth is the time one bucket covers.
func (c Config) bucketWidth() time.Duration { return c.Window / time.Duration(c.Buckets) }

package harness

import (
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// MetricSum returns the sum of a counter or gauge family over all its series, as registered
// by the in-process servers' plugins: for a test that checks what one server did, which
// holds when the package's tests run one at a time (they do unless they call t.Parallel).
func MetricSum(t testing.TB, name string) float64 {
	t.Helper()
	return MetricSumWhere(t, name, nil)
}

// MetricSumWhere is MetricSum over the series whose labels include every pair of match.
func MetricSumWhere(t testing.TB, name string, match map[string]string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labelsInclude(m, match) {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

func labelsInclude(m *dto.Metric, match map[string]string) bool {
	for k, v := range match {
		found := false
		for _, l := range m.GetLabel() {
			found = found || (l.GetName() == k && l.GetValue() == v)
		}
		if !found {
			return false
		}
	}
	return true
}

// SettledGoroutines waits a second for goroutines that are ending to end, and returns the
// smallest count it saw: a baseline for tests that a stop or reload leaks none.
func SettledGoroutines() int {
	best := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		time.Sleep(50 * time.Millisecond)
		best = min(best, runtime.NumGoroutine())
	}
	return best
}

// GoroutinesDownTo waits up to within for the goroutine count to fall to limit, and
// returns the smallest count it saw: at most limit unless some never ended.
func GoroutinesDownTo(limit int, within time.Duration) int {
	best := runtime.NumGoroutine()
	for deadline := time.Now().Add(within); best > limit && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		best = min(best, runtime.NumGoroutine())
	}
	return best
}

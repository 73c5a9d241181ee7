package feed

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// recorder is a Consumer that notes what the feed asks of it.
type recorder struct {
	st     *sqlstore.Store
	events chan string

	mu      sync.Mutex
	applied map[int64]*sqlstore.Touch
}

func (r *recorder) Prepare(ctx context.Context) error { return r.st.EnsureSchema(ctx) }

func (r *recorder) Load(ctx context.Context, answered func()) error {
	if _, err := r.st.Domains(ctx); err != nil {
		return err
	}
	answered()
	r.events <- "load"
	return nil
}

func (r *recorder) Apply(_ context.Context, id int64, t *sqlstore.Touch) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applied[id] = t
	return []string{"example.org."}, nil
}

func (r *recorder) Changed([]string)                                       { r.events <- "changed" }
func (r *recorder) Touched(context.Context, []int64)                       { r.events <- "touched" }
func (r *recorder) Outage(_ context.Context, kind string, _ bool, _ error) { r.events <- kind }

func gaugeValue(g prometheus.Gauge) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		return -1
	}
	return m.GetGauge().GetValue()
}

func waitFor(t *testing.T, events chan string, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-events:
			if e == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within 10s", want)
		}
	}
}

// TestFeedAppliesChanges: a real SQLite file with its change-log triggers;
// the feed loads, then hands a record change to its consumer, names the
// record, and reports an outage when the database goes away.
func TestFeedAppliesChanges(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.sql")
	if err := os.WriteFile(seed, []byte(`INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');`), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "z.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, seed); err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{st: st, events: make(chan string, 100), applied: map[int64]*sqlstore.Touch{}}
	up := prometheus.NewGauge(prometheus.GaugeOpts{Name: "up"})
	hist := func() prometheus.Histogram { return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h"}) }
	f := New(Config{Store: st, Poll: 10 * time.Millisecond, GapTimeout: time.Second},
		Metrics{Timed: func(_ string, op func() error) error { return op() }, DBUp: up, ChangeApply: hist(), ChangeLag: hist()}, r)
	f.Start()
	defer f.Stop()
	waitFor(t, r.events, "load")

	res, err := st.DB.Exec(`INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled) VALUES (1, 'www.example.org', 'A', '192.0.2.1', 60, 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	rid, _ := res.LastInsertId()
	waitFor(t, r.events, "changed")
	waitFor(t, r.events, "touched")
	r.mu.Lock()
	tch := r.applied[1]
	r.mu.Unlock()
	if _, ok := tch.Records[rid]; tch == nil || tch.Whole || !ok {
		t.Errorf("domain 1 applied with %+v, want record %d alone", tch, rid)
	}
	if v := gaugeValue(up); v != 1 || f.Down() {
		t.Errorf("db_up %v, down %t while the database answers", v, f.Down())
	}

	st.Close()
	waitFor(t, r.events, "Database unreachable")
	if v := gaugeValue(up); v != 0 || !f.Down() {
		t.Errorf("db_up %v, down %t with the database closed", v, f.Down())
	}
}

package sqlbackend_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// gaugesByDatabase returns metric name's value for each database label.
func gaugesByDatabase(t *testing.T, name string) map[string]float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.GetLabel() {
				if l.GetName() == "database" {
					out[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	return out
}

// TestGaugesPerDatabase: one Corefile, two databases; each database's gauges
// are its own, and they are gone once the server that named them stops.
func TestGaugesPerDatabase(t *testing.T) {
	one, two := newSQLite(t), newSQLite(t)
	loadZone(t, one, 1, "a.test.", "$ORIGIN a.test.\n@ 300 IN SOA ns1.example.net. h.example.net. 1 7200 3600 1209600 300\n@ 300 IN NS ns1.example.net.\n")
	for i, z := range []string{"b.test.", "c.test."} {
		loadZone(t, two, i+1, z, fmt.Sprintf("$ORIGIN %s\n@ 300 IN SOA ns1.example.net. h.example.net. 1 7200 3600 1209600 300\n@ 300 IN NS ns1.example.net.\nwww 300 IN A 192.0.2.1\n", z))
	}
	inst, err := harness.StartServerErr(fmt.Sprintf("a.test:0 {\n\t%s\n}\nb.test:0 c.test:0 {\n\t%s\n}", one.corefileBlock(), two.corefileBlock()))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range inst.Servers() {
		addr := l.LocalAddr().String()
		harness.WaitFor(t, addr, "c.test.", dns.TypeSOA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess || m.Rcode == dns.RcodeRefused }, 10*time.Second)
	}
	labelOne, labelTwo := "sqlite "+one.dsn, "sqlite "+two.dsn
	want := map[string]map[string]float64{
		"coredns_sqlbackend_zones":   {labelOne: 1, labelTwo: 2},
		"coredns_sqlbackend_records": {labelOne: 2, labelTwo: 6},
		"coredns_sqlbackend_db_up":   {labelOne: 1, labelTwo: 1},
	}
	seen := map[string]map[string]float64{}
	defer func() {
		if t.Failed() {
			t.Logf("last seen: %v", seen)
		}
	}()
	for name, w := range want {
		harness.Eventually(t, 5*time.Second, fmt.Sprintf("%s = %v", name, w), func() bool {
			seen[name] = gaugesByDatabase(t, name)
			return fmt.Sprint(seen[name]) == fmt.Sprint(w)
		})
	}

	inst.Stop()
	inst.ShutdownCallbacks()
	for name := range want {
		if got := gaugesByDatabase(t, name); len(got) != 0 {
			t.Errorf("%s after the stop: %v, want no series", name, got)
		}
	}
}

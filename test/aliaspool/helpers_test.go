package aliaspool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// writeZone writes a zone file into a fresh directory and returns its path.
func writeZone(t *testing.T, name, content string) string {
	t.Helper()
	return harness.WriteFile(t, t.TempDir(), name, content)
}

// ask sends qname/qtype over network to addr.
func ask(t *testing.T, addr, network, qname string, qtype uint16) *dns.Msg {
	t.Helper()
	return harness.Exchange(t, addr, harness.Query(qname, qtype), network)
}

// both runs f once over UDP and once over TCP.
func both(t *testing.T, s *harness.Server, f func(t *testing.T, addr, network string)) {
	t.Run("udp", func(t *testing.T) { f(t, s.UDP, "udp") })
	t.Run("tcp", func(t *testing.T) { f(t, s.TCP, "tcp") })
}

// counter returns the sum of the counter family name over the series whose labels
// include every pair in match.
func counter(t *testing.T, name string, match map[string]string) float64 {
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
			if labelsMatch(m, match) {
				if m.Counter != nil {
					sum += m.Counter.GetValue()
				} else if m.Gauge != nil {
					sum += m.Gauge.GetValue()
				}
			}
		}
	}
	return sum
}

func labelsMatch(m *dto.Metric, match map[string]string) bool {
	for k, v := range match {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == k && l.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// repoRoot returns the module root, where the Corefile examples' paths start.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	return dir
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// lines joins zone-file lines.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

package aliaspool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
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

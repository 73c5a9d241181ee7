package e2e

import (
	"fmt"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
)

// The systemd unit must load as shipped and stay hardened. systemd cannot run as init here,
// so systemd-analyze checks the unit offline: verify (syntax, directives, the ExecStart
// binary, pointed at the built one) and security, whose exposure score must stay at or
// below 2.0 ("OK"; the unit rates 1.6).
func TestSystemdUnitVerifiesAndIsHardened(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze is not installed (Debian package systemd; test/scripts/ensure-services.sh installs it): %v", err)
	}
	unit, err := os.ReadFile(filepath.Join(harness.ModuleRoot(t), "distro", "coredns.service"))
	if err != nil {
		t.Fatal(err)
	}
	const shipped = "ExecStart=/usr/local/bin/coredns "
	if !strings.Contains(string(unit), shipped) {
		t.Fatalf("distro/coredns.service has no %q line", shipped)
	}
	local := strings.Replace(string(unit), shipped, "ExecStart="+harness.Binary(t)+" ", 1)
	path := harness.WriteFile(t, t.TempDir(), "coredns.service", local)

	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(analyze, "security", "--offline=yes", "--threshold=20", path).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security rates the unit above 2.0: %v\n%s", err, out)
	}
}

// The container image's default Corefile (distro/Corefile) serves the sample zones from an
// SQLite file it creates in the volume at the first start, with metrics, health and
// readiness on their ports. The test runs it as the image would, with the image's paths
// moved into temp dirs, its ports onto free loopback ones, and a bind to 127.0.0.1.
func TestContainerCorefileServes(t *testing.T) {
	root := harness.ModuleRoot(t)
	content, err := os.ReadFile(filepath.Join(root, "distro", "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	seed, err := os.ReadFile(filepath.Join(root, "corefile-examples", "sqlite", "zones.sql"))
	if err != nil {
		t.Fatal(err)
	}
	state, etc := t.TempDir(), t.TempDir()
	harness.WriteFile(t, etc, "zones.sql", string(seed)) // the Dockerfile copies it there

	dnsPort := harness.FreePort(t)
	http := map[string]string{}
	corefile := strings.NewReplacer("/var/lib/coredns", state, "/etc/coredns", etc).Replace(string(content))
	for _, listen := range []string{":9153", ":8080", ":8181"} {
		http[listen] = fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
		corefile = strings.Replace(corefile, " "+listen+"\n", " "+http[listen]+"\n", 1)
	}
	if !strings.Contains(corefile, ". {\n") {
		t.Fatalf("distro/Corefile has no '. {' server block:\n%s", content)
	}
	corefile = strings.Replace(corefile, ". {\n", ". {\n    bind 127.0.0.1\n", 1)
	addr := fmt.Sprintf("127.0.0.1:%d", dnsPort)
	proc := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{
		Dir:   state,
		Args:  []string{"-dns.port", strconv.Itoa(dnsPort)},
		Ready: addr,
	})

	soa := waitForSOA(t, addr, "example.org.", proc)
	harness.AssertResponse(t, soa, harness.Response{
		Authoritative: true,
		Answer:        []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.org."},
	})
	if _, err := os.Stat(filepath.Join(state, "zones.db")); err != nil {
		t.Errorf("the SQLite database was not created in the volume: %v", err)
	}
	for listen, path := range map[string]string{":8080": "/health", ":8181": "/ready", ":9153": "/metrics"} {
		resp, err := (&nethttp.Client{Timeout: 5 * time.Second}).Get("http://" + http[listen] + path)
		if err != nil {
			t.Errorf("GET %s (Corefile %s): %v", path, listen, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != nethttp.StatusOK {
			t.Errorf("GET %s (Corefile %s): %s, want 200 OK", path, listen, resp.Status)
		}
	}
}

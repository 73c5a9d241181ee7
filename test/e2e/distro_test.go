package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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

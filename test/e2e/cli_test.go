package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/coremain"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

func TestVersionNamesHostdnsAndCoreDNS(t *testing.T) {
	out, err := exec.Command(harness.Binary(t), "-version").CombinedOutput()
	if err != nil {
		t.Fatalf("-version: %v\n%s", err, out)
	}
	version, err := os.ReadFile(filepath.Join(harness.ModuleRoot(t), "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	if want := "hostdns-" + strings.TrimSpace(string(version)); lines[0] != want {
		t.Errorf("first line of -version is %q, want %q", lines[0], want)
	}
	if want := "CoreDNS-" + coremain.CoreVersion; len(lines) < 2 || lines[1] != want {
		t.Errorf("-version does not name the CoreDNS inside (%q):\n%s", want, out)
	}
}

// Every plugin of plugin.cfg, stock and ours, is in the binary.
func TestPluginsListsEveryConfiguredPlugin(t *testing.T) {
	out, err := exec.Command(harness.Binary(t), "-plugins").CombinedOutput()
	if err != nil {
		t.Fatalf("-plugins: %v\n%s", err, out)
	}
	listed := map[string]bool{}
	for _, name := range strings.Fields(string(out)) {
		listed[name] = true
	}
	cfg, err := os.Open(filepath.Join(harness.ModuleRoot(t), "plugin.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	count := 0
	for scanner := bufio.NewScanner(cfg); scanner.Scan(); {
		line := strings.TrimSpace(scanner.Text())
		name, _, ok := strings.Cut(line, ":")
		if line == "" || strings.HasPrefix(line, "#") || !ok {
			continue
		}
		count++
		if !listed[name] {
			t.Errorf("plugin.cfg lists %q but coredns -plugins does not", name)
		}
	}
	if count < 60 {
		t.Errorf("read only %d plugins from plugin.cfg", count)
	}
}

// The stock flags behave as in stock CoreDNS: -dns.port sets the port of blocks without one,
// -pidfile writes the pid, -quiet drops the banner that a normal start prints.
func TestStockFlags(t *testing.T) {
	port := harness.FreePort(t)
	pidfile := filepath.Join(t.TempDir(), "coredns.pid")
	corefile := "example.org {\n\tbind 127.0.0.1\n\twhoami\n}\n"
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	proc := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{
		Args:  []string{"-dns.port", strconv.Itoa(port), "-pidfile", pidfile, "-quiet"},
		Ready: addr,
	})

	resp := harness.Exchange(t, addr, harness.Query("example.org.", dns.TypeA), "udp")
	if resp.Rcode != dns.RcodeSuccess || len(resp.Extra) != 2 || resp.Extra[0].String() != "example.org.\t0\tIN\tA\t127.0.0.1" {
		t.Errorf("whoami on -dns.port %d did not answer:\n%v", port, resp)
	}
	// CoreDNS writes the pidfile after its servers start answering: wait for it.
	want := strconv.Itoa(proc.Cmd.Process.Pid)
	var pid []byte
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		pid, err = os.ReadFile(pidfile)
		if err == nil && strings.TrimSpace(string(pid)) == want || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || strings.TrimSpace(string(pid)) != want {
		t.Errorf("pidfile holds %q (err %v) after 5 s, want %s", pid, err, want)
	}
	if strings.Contains(proc.Output(), "hostdns-") || strings.Contains(proc.Output(), "example.org.:") {
		t.Errorf("-quiet still printed the startup banner:\n%s", proc.Output())
	}

	loudPort := harness.FreePort(t)
	loud := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{
		Args:  []string{"-dns.port", strconv.Itoa(loudPort)},
		Ready: fmt.Sprintf("127.0.0.1:%d", loudPort),
	})
	if !strings.Contains(loud.Output(), "hostdns-") {
		t.Errorf("a normal start does not name hostdns in its banner:\n%s", loud.Output())
	}
}

func TestUnknownFlagFails(t *testing.T) {
	out, err := exec.Command(harness.Binary(t), "-no-such-flag").CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 {
		t.Fatalf("unknown flag: err %v, want exit status 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "flag provided but not defined: -no-such-flag") {
		t.Errorf("unknown flag not named:\n%s", out)
	}
}

// A bad Corefile stops the server at startup, naming the problem and its line.
func TestBadCorefileNamesLine(t *testing.T) {
	dir := t.TempDir()
	path := harness.WriteFile(t, dir, "Corefile", "example.org:0 {\n\twhoami\n\tno_such_plugin\n}\n")
	out, err := exec.Command(harness.Binary(t), "-conf", path).CombinedOutput()
	if err == nil {
		t.Fatalf("a Corefile with an unknown directive started:\n%s", out)
	}
	if !strings.Contains(string(out), "Corefile:3") || !strings.Contains(string(out), "no_such_plugin") {
		t.Errorf("the error does not name the line and directive:\n%s", out)
	}
}

// coredns_hostdns_build_info tells hostdns builds apart; CoreDNS's own build_info stays.
func TestBuildInfoMetric(t *testing.T) {
	metrics := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	dnsPort := harness.FreePort(t)
	corefile := fmt.Sprintf("example.org:%d {\n\tbind 127.0.0.1\n\tprometheus %s\n\twhoami\n}\n", dnsPort, metrics)
	harness.StartBinary(t, corefile)

	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	version, _ := os.ReadFile(filepath.Join(harness.ModuleRoot(t), "VERSION"))
	want := fmt.Sprintf(`coredns_hostdns_build_info{coredns_version="%s",goversion=`, coremain.CoreVersion)
	if !strings.Contains(string(body), want) || !strings.Contains(string(body), `version="`+strings.TrimSpace(string(version))+`"`) {
		t.Errorf("metrics lack %s...version=%q:\n%s", want, strings.TrimSpace(string(version)), grepLines(string(body), "build_info"))
	}
	if !strings.Contains(string(body), "coredns_build_info{") {
		t.Errorf("CoreDNS's own build_info is gone")
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// Package compare_test runs hostdns-compare for real: PowerDNS (pdns_server with gmysql) and
// hostdns (sqlbackend) serve the same MariaDB database, and the tool replays queries from a
// pcap written from real exchanges with PowerDNS, from a dnstap file written by hostdns's own
// dnstap plugin, and from a list.
package compare_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hostdns/hostdns/test/harness"
)

var tool struct {
	once sync.Once
	path string
	err  error
}

// compareTool returns the hostdns-compare binary: $HOSTDNS_COMPARE when set, else a build
// of ./distro/compare made once per test process.
func compareTool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("HOSTDNS_COMPARE"); p != "" {
		return p
	}
	tool.once.Do(func() {
		dir, err := os.MkdirTemp("", "hostdns-compare-test-")
		if err != nil {
			tool.err = err
			return
		}
		tool.path = filepath.Join(dir, "hostdns-compare")
		cmd := exec.Command("go", "build", "-o", tool.path, "./distro/compare")
		cmd.Dir = harness.ModuleRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			tool.err = errors.New(err.Error() + "\n" + string(out))
		}
	})
	if tool.err != nil {
		t.Fatalf("building hostdns-compare: %v", tool.err)
	}
	return tool.path
}

// run is one run of the tool: its exit status, its text report and its JSON report.
type run struct {
	status int
	stdout string
	stderr string
	report report
}

// report is the part of the JSON report the tests read.
type report struct {
	Summary struct {
		Queries, Same, Different, Accepted, Errors int
	}
	Line  string
	Kinds []struct {
		Kind    string
		Answers int
		Zones   []struct {
			Zone    string
			Answers int
		}
		Examples []struct {
			Query       string
			Zone        string
			Differences []struct{ Kind, Section, RRset, A, B string }
		}
	}
	Accepted []struct {
		Reason  string
		Answers int
	}
}

func runTool(t *testing.T, args ...string) run {
	t.Helper()
	jsonFile := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(compareTool(t), append([]string{"-json", jsonFile, "-progress", "lines"}, args...)...)
	var stdout, stderr stringWriter
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.status = exit.ExitCode()
	case err != nil:
		t.Fatalf("hostdns-compare %v: %v", args, err)
	}
	if data, err := os.ReadFile(jsonFile); err == nil {
		if err := json.Unmarshal(data, &r.report); err != nil {
			t.Fatalf("JSON report: %v\n%s", err, data)
		}
	}
	t.Logf("hostdns-compare %v: exit %d\n%s%s", args, r.status, r.stdout, r.stderr)
	return r
}

type stringWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (w *stringWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *stringWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

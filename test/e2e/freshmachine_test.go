package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/test/harness"
)

// A fresh machine has an empty Go module cache. The first step of the README's run command,
// build/build.sh, reads CoreDNS's own plugin list from that cache: it must fetch the module
// itself rather than stop and ask for `go mod download`. (go build fetches the rest on its own.)
func TestBuildStepsWorkFromAnEmptyModuleCache(t *testing.T) {
	root := harness.ModuleRoot(t)
	cache := t.TempDir()
	for _, step := range [][]string{
		{"./build/generate.sh", "-check"},
		{"go", "run", "./build/plugingen", "-check", "-verify=false"}, // the step build.sh runs
	} {
		cmd := exec.Command(step[0], step[1:]...)
		cmd.Dir = root
		// -modcacherw: the cache is writable, so t.TempDir can remove it afterwards.
		cmd.Env = append(os.Environ(), "GOMODCACHE="+cache, "GOFLAGS=-modcacherw")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s with an empty module cache: %v\n%s", strings.Join(step, " "), err, out)
		}
	}
	matches, err := filepath.Glob(filepath.Join(cache, "github.com", "coredns", "coredns@*", "plugin.cfg"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("CoreDNS's plugin.cfg was not fetched into the new module cache %s: %v %v", cache, matches, err)
	}
}

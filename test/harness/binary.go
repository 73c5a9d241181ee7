package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// binDirPrefix names the directories Binary builds into; the test process's pid follows
// it, so a later process can tell which directories were left behind by dead ones.
const binDirPrefix = "hostdns-coredns-"

var built struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the path of the coredns binary under test: $HOSTDNS_BINARY when set (CI
// tests the binary it ships), else a build by build/build.sh, made once per
// test process. It fails the test, with the compiler's
// output, when the build fails.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("HOSTDNS_BINARY"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatalf("HOSTDNS_BINARY=%s: %v", p, err)
		}
		if fi, err := os.Stat(abs); err != nil || fi.IsDir() {
			t.Fatalf("HOSTDNS_BINARY=%s is not a file: %v", p, err)
		}
		return abs
	}

	built.once.Do(func() { built.path, built.err = buildBinary() })
	if built.err != nil {
		t.Fatalf("building coredns: %v", built.err)
	}
	return built.path
}

func buildBinary() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	removeStaleBinDirs()
	// Not t.TempDir: the binary is shared by every test of the process and must outlive
	// the test that happened to build it.
	dir, err := os.MkdirTemp("", binDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "coredns")
	// build.sh, not a bare go build: tests check the version and commit it stamps.
	cmd := exec.Command("./build/build.sh")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "OUT="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("OUT=%s ./build/build.sh (in %s): %v\n%s", bin, root, err, out)
	}
	return bin, nil
}

// removeStaleBinDirs deletes the build directories of test processes that have exited.
// Nothing can remove a process's own binary when it ends (no hook runs after the last
// test), so each build cleans up after the previous ones instead: the binary is large.
func removeStaleBinDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), binDirPrefix+"*"))
	for _, d := range dirs {
		pidStr, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), binDirPrefix), "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			continue // still running
		}
		os.RemoveAll(d)
	}
}

// ModuleRoot returns the root directory of the hostdns module (the one holding go.mod),
// found by walking up from the test's working directory, for tests that need files from
// elsewhere in the tree.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}

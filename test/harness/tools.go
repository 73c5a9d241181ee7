package harness

import (
	"os"
	"testing"
)

// installed returns the path of a program a test runs, def or the one the environment
// variable env names, and fails the test when it is not there, naming the Debian package
// test/scripts/ensure-services.sh installs it from.
func installed(t testing.TB, env, def, pkg string) string {
	t.Helper()
	bin := os.Getenv(env)
	if bin == "" {
		bin = def
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is not installed (%v): run test/scripts/ensure-services.sh as root, which installs %s", bin, err, pkg)
	}
	return bin
}

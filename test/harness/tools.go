package harness

import (
	"os"
	"os/exec"
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

// DigBinary is BIND's dig (Debian package bind9-dnsutils); HOSTDNS_DIG overrides it.
const DigBinary = "/usr/bin/dig"

// Dig runs dig with args and returns its output, failing the test when dig is missing or
// fails: for checks of what dig itself reports (say, whether it validated every TSIG).
func Dig(t testing.TB, args ...string) string {
	t.Helper()
	bin := installed(t, "HOSTDNS_DIG", DigBinary, "bind9-dnsutils")
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %v: %v\n%s", args, err, out)
	}
	return string(out)
}

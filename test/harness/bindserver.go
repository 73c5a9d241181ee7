package harness

import (
	"fmt"
	"strings"
	"testing"
)

// NamedBinary is where Debian's bind9 package puts BIND's server; HOSTDNS_NAMED names another.
const NamedBinary = "/usr/sbin/named"

// StartNamed runs BIND 9 (named) on 127.0.0.1 and a free port as a reference server for
// zones, a map from origin to zone-file text: in the foreground, authoritative only (no
// recursion, no DNSSEC validation, no cookies, no notifies), minimal-responses off. It
// returns once every zone answers its SOA and stops named when the test ends; it fails
// the test when named is missing (run test/scripts/ensure-services.sh) or refuses a zone.
func StartNamed(t testing.TB, zones map[string]string) *Process {
	t.Helper()
	return named.start(t, zones)
}

var named = refServer{name: "named", env: "HOSTDNS_NAMED", binary: NamedBinary, pkg: "bind9",
	conf: func(dir string, port int, zones []refZone) string {
		var b strings.Builder
		b.WriteString(namedOptions(dir, port, `	notify no;
	allow-transfer { 127.0.0.1; };
};
controls { };
`))
		for _, z := range zones {
			fmt.Fprintf(&b, "zone %q { type primary; file %q; };\n", z.name, z.file)
		}
		return b.String()
	},
	// -g: foreground, log to stderr; -4: IPv4 only; -n 1: one worker, the machine is shared.
	args: func(conf string) []string { return []string{"-g", "-4", "-n", "1", "-c", conf} },
}

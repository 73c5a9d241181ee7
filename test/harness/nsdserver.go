package harness

import (
	"fmt"
	"strings"
	"testing"
)

// NSDBinary is where Debian's nsd package puts NLnet Labs' NSD; HOSTDNS_NSD names another.
const NSDBinary = "/usr/sbin/nsd"

// StartNSD runs NSD 4 on 127.0.0.1 and a free port as a reference server for zones, a map
// from origin to zone-file text: in the foreground, one server process, no zone database,
// no remote control, its state files in a temp dir. It returns once every zone answers its
// SOA and stops NSD when the test ends; it fails the test when NSD is missing (run
// test/scripts/ensure-services.sh) or refuses a zone.
func StartNSD(t testing.TB, zones map[string]string) *Process {
	t.Helper()
	return nsd.start(t, zones)
}

var nsd = refServer{name: "nsd", env: "HOSTDNS_NSD", binary: NSDBinary, pkg: "nsd",
	conf: func(dir string, port int, zones []refZone) string {
		var b strings.Builder
		b.WriteString(nsdServerConf(dir, port, 1, "\thide-version: yes\n"))
		for _, z := range zones {
			fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n", z.name, z.file)
		}
		return b.String()
	},
	args: func(conf string) []string { return []string{"-d", "-c", conf} }, // -d: foreground
}

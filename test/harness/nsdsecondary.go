package harness

import (
	"errors"
	"fmt"
	"strings"
)

// nsdSecondary runs NSD in the foreground (-d), one server process, its state in dir and
// verbosity 2, where xfrd logs each transfer it commits. xfrd-reload-timeout 0 applies a
// transfer at once: NSD's default waits up to a second between reloads, which a propagation
// measurement would count as the secondary's.
var nsdSecondary = secondaryConf{name: "nsd", env: "HOSTDNS_NSD", binary: NSDBinary, pkg: "nsd",
	conf: func(dir string, port int, o SecondaryOptions) (string, error) {
		if o.Catalog != "" {
			return "", errors.New("NSD 4 has no catalog zones")
		}
		host, pport := primaryHostPort(o)
		var b strings.Builder
		b.WriteString(nsdServerConf(dir, port, 2, fmt.Sprintf("\txfrdir: %q\n\thide-version: yes\n\txfrd-reload-timeout: 0\n\tzonefiles-write: 0\n", dir)))
		// NOKEY matches unsigned messages only: with a key, a signed NOTIFY needs its own line.
		key, notifyKeys := "NOKEY", []string{"NOKEY"}
		if o.Key != nil {
			key = NoDot(o.Key.Name)
			fmt.Fprintf(&b, "key:\n\tname: %q\n\talgorithm: %s\n\tsecret: %q\n", key, o.Key.alg(), o.Key.Secret)
			notifyKeys = append(notifyKeys, key)
		}
		if o.SignedNotify {
			notifyKeys = []string{key}
		}
		for _, z := range o.Zones {
			name := NoDot(z)
			fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\trequest-xfr: %s@%s %s\n\tprovide-xfr: 127.0.0.1 NOKEY\n",
				name, name+".zone", host, pport, key)
			for _, k := range notifyKeys {
				fmt.Fprintf(&b, "\tallow-notify: %s %s\n", host, k)
			}
		}
		return b.String(), nil
	},
	args: func(dir, conf string) []string { return []string{"-d", "-c", conf} }, // -d: foreground
}

package harness

import (
	"fmt"
	"strings"
)

// bindSecondary runs named in the foreground (-f, not -g: -g ignores the logging
// statement) with xfer-in and notify logged to stderr at debug 3, where BIND says whether it
// got an incremental or a full transfer.
var bindSecondary = secondaryConf{name: "named", env: "HOSTDNS_NAMED", binary: NamedBinary, pkg: "bind9",
	conf: func(dir string, port int, o SecondaryOptions) (string, error) {
		host, pport := primaryHostPort(o)
		var b strings.Builder
		b.WriteString(namedOptions(dir, port, `	notify no;
	allow-transfer { 127.0.0.1; };
	transfer-source 127.0.0.1;
	notify-source 127.0.0.1;
	min-refresh-time 1;
	min-retry-time 1;
`))
		primaries := fmt.Sprintf("%s port %s", host, pport)
		notify := fmt.Sprintf("%s;", host)
		if o.Key != nil {
			primaries += fmt.Sprintf(" key %q", o.Key.Name)
		}
		primaries += ";"
		if o.SignedNotify {
			notify = fmt.Sprintf("key %q;", o.Key.Name)
		}
		if o.Catalog != "" {
			fmt.Fprintf(&b, "\tcatalog-zones { zone %q default-primaries { %s } in-memory yes min-update-interval 0; };\n", o.Catalog, primaries)
		}
		b.WriteString("};\ncontrols { };\n")
		b.WriteString(`logging {
	channel out { stderr; severity debug 3; print-time yes; print-category yes; print-severity yes; };
	category default { out; };
	category xfer-in { out; };
	category notify { out; };
	category general { out; };
};
`)
		if o.Key != nil {
			fmt.Fprintf(&b, "key %q { algorithm %s; secret %q; };\n", o.Key.Name, o.Key.alg(), o.Key.Secret)
		}
		zones := append([]string(nil), o.Zones...)
		if o.Catalog != "" {
			zones = append(zones, o.Catalog)
		}
		for _, z := range zones {
			name := NoDot(z)
			fmt.Fprintf(&b, "zone %q { type secondary; primaries { %s }; allow-notify { %s }; file %q; };\n",
				name, primaries, notify, "sec."+name)
		}
		return b.String(), nil
	},
	// -f: foreground; -4: IPv4 only; -n 1: one worker, the machine is shared.
	args:  func(dir, conf string) []string { return []string{"-f", "-4", "-n", "1", "-c", conf} },
	check: []string{"/usr/bin/named-checkconf"},
}

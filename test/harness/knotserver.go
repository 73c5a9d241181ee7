package harness

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// KnotBinary is where Debian's knot package puts Knot DNS's server; HOSTDNS_KNOTD names
// another.
const KnotBinary = "/usr/sbin/knotd"

// knotSecondary runs knotd in the foreground with its configuration, state (journal,
// timers, catalog database), control socket and zone files in dir, and every log category
// on stderr at debug, where Knot logs each AXFR and IXFR it receives with its size.
var knotSecondary = secondaryConf{name: "knot", env: "HOSTDNS_KNOTD", binary: KnotBinary, pkg: "knot",
	conf: func(dir string, port int, o SecondaryOptions) (string, error) {
		host, pport := primaryHostPort(o)
		var b strings.Builder
		b.WriteString(knotServerConf(dir, port))
		// A rule without a key matches unsigned messages only: with a key, signed NOTIFYs
		// need a rule of their own.
		remoteKey, acls := "", "notify, transfer"
		if o.Key != nil {
			fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n", o.Key.Name, o.Key.alg(), o.Key.Secret)
			remoteKey = "\n    key: " + o.Key.Name
			acls += ", notify_signed"
		}
		if o.SignedNotify {
			acls = "notify_signed, transfer"
		}
		fmt.Fprintf(&b, `remote:
  - id: primary
    address: %s@%s%s
acl:
  - id: notify
    address: %s
    action: notify
  - id: transfer
    address: 127.0.0.1
    action: transfer
`, host, pport, remoteKey, host)
		if o.Key != nil {
			fmt.Fprintf(&b, "  - id: notify_signed\n    address: %s\n    key: %s\n    action: notify\n", host, o.Key.Name)
		}
		// The default template serves the zones listed here; "member" those a catalog adds.
		b.WriteString("template:\n")
		for _, id := range []string{"default", "member"} {
			fmt.Fprintf(&b, `  - id: %s
    storage: %q
    file: "%%s.zone"
    master: primary
    acl: [%s]
    zonefile-sync: -1
    zonefile-load: none
    semantic-checks: off
`, id, dir, acls)
		}
		b.WriteString("zone:\n")
		for _, z := range o.Zones {
			fmt.Fprintf(&b, "  - domain: %s\n", dns.Fqdn(z))
		}
		if o.Catalog != "" {
			fmt.Fprintf(&b, "  - domain: %s\n    catalog-role: interpret\n    catalog-template: member\n", dns.Fqdn(o.Catalog))
		}
		return b.String(), nil
	},
	args: func(dir, conf string) []string { return []string{"-c", conf} },
}

// knotServerConf is the server part of a knotd configuration, secondary or primary: one
// worker of each kind on 127.0.0.1@port, its database and control socket in dir, and every
// log category on stderr at debug (each transfer is logged with its kind and size).
func knotServerConf(dir string, port int) string {
	return fmt.Sprintf(`server:
    rundir: %q
    listen: 127.0.0.1@%d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: %q
control:
    listen: knot.sock
log:
  - target: stderr
    any: debug
`, dir, port, dir)
}

// Command hostdns-compare replays real DNS queries, from a capture, a dnstap file or a list,
// against two servers (A: the one in service, B: hostdns) and shows every way their answers
// differ, grouped by kind and zone, before a migration. It exits 0 when nothing differs that
// the allow-list does not accept.
package main

import (
	"os"
)

// Set by build/build.sh, the same values it stamps into bin/coredns.
var (
	Version = "0.0.0-dev"
	Commit  = "unknown"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

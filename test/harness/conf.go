package harness

import (
	"fmt"
	"path/filepath"
)

// namedOptions opens the options block of a named.conf for a test server: its files in
// dir, UDP and TCP on 127.0.0.1@port only, authoritative only, full responses, no cookies.
// extra (options lines, each ending in ";\n") follows; the caller closes the block.
func namedOptions(dir string, port int, extra string) string {
	return fmt.Sprintf(`options {
	directory %q;
	pid-file none;
	session-keyfile none;
	listen-on port %d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	minimal-responses no;
	answer-cookie no;
%s`, dir, port, extra)
}

// nsdServerConf is the server part of an nsd.conf for a test server, primary, secondary or
// reference: 127.0.0.1@port, one server process, no chroot, its state in dir, no remote
// control; extra (server lines, each starting with a tab) is added to the server section.
func nsdServerConf(dir string, port, verbosity int, extra string) string {
	return fmt.Sprintf(`server:
	ip-address: 127.0.0.1@%d
	do-ip6: no
	username: ""
	chroot: ""
	database: ""
	zonesdir: %q
	pidfile: %q
	xfrdfile: %q
	zonelistfile: %q
	server-count: 1
	verbosity: %d
%sremote-control:
	control-enable: no
`, port, dir, filepath.Join(dir, "nsd.pid"), filepath.Join(dir, "xfrd.state"), filepath.Join(dir, "zone.list"), verbosity, extra)
}

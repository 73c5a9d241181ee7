package harness

import (
	"maps"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// A reference server is a mature authoritative DNS server from Debian (BIND, NSD) serving
// the same zone-file text as hostdns, so a test can check that what it expects of hostdns
// is what an established implementation answers: StartNamed, StartNSD.

// refZone is one zone of a reference server: its origin without the trailing dot, as
// server configurations name zones, and the file holding its text.
type refZone struct{ name, file string }

// writeRefZones writes each zone of zones (origin to zone-file text) into dir as
// db.<origin> and returns them sorted by origin.
func writeRefZones(t testing.TB, dir string, zones map[string]string) []refZone {
	t.Helper()
	if len(zones) == 0 {
		t.Fatal("reference server: no zones")
	}
	var out []refZone
	for _, origin := range slices.Sorted(maps.Keys(zones)) {
		name := strings.TrimSuffix(origin, ".")
		out = append(out, refZone{name: name, file: WriteFile(t, dir, "db."+name, zones[origin])})
	}
	return out
}

// refServer describes how to run one kind of reference server.
type refServer struct {
	name   string // for messages
	env    string // names another binary
	binary string // Debian's path
	pkg    string // Debian's package
	conf   func(dir string, port int, zones []refZone) string
	args   func(conf string) []string
}

// start runs the server on 127.0.0.1 and a free port for zones (origin to zone-file
// text), its files in a temp dir, and waits until every zone answers its SOA: a server
// answers SERVFAIL or REFUSED for a zone it refused to load, which must fail the test here
// rather than look like a difference in answers later. It stops the server when the test
// ends, and fails the test when the binary is missing.
func (r refServer) start(t testing.TB, zones map[string]string) *Process {
	t.Helper()
	bin := installed(t, r.env, r.binary, r.pkg)
	dir := t.TempDir()
	port := FreePort(t)
	zs := writeRefZones(t, dir, zones)
	conf := WriteFile(t, dir, r.name+".conf", r.conf(dir, port, zs))
	p := startProcess(t, r.name, exec.Command(bin, r.args(conf)...), dir, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err := p.waitReady("udp", zs[0].name+".", DefaultReadyTimeout); err != nil {
		t.Fatalf("%s: %v\noutput:\n%s", r.name, err, p.Output())
	}
	for _, z := range zs {
		m := Exchange(t, p.Addr, Query(z.name, dns.TypeSOA), "udp")
		if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
			t.Fatalf("%s did not load zone %s (rcode %s):\n%s", r.name, z.name, dns.RcodeToString[m.Rcode], p.Output())
		}
	}
	return p
}

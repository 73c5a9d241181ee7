package harness

import (
	"fmt"
	"maps"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A primary is a real DNS server from Debian (BIND, NSD, Knot) serving zone-file text as
// the PRIMARY of a secondary under test: it answers SOA queries and transfers, keeps the
// differences between versions of a zone so it can answer IXFR (BIND with
// ixfr-from-differences, Knot with its journal; NSD 4.6 has no IXFR and answers AXFR),
// sends NOTIFY to the addresses it is given, and logs every outgoing transfer.
// StartPrimary starts one; SetZone changes a zone and reloads it.

// PrimaryKind names the software of a primary.
type PrimaryKind string

const (
	// PrimaryBIND is BIND 9 (named).
	PrimaryBIND PrimaryKind = "bind"
	// PrimaryNSD is NSD 4.
	PrimaryNSD PrimaryKind = "nsd"
	// PrimaryKnot is Knot DNS 3.
	PrimaryKnot PrimaryKind = "knot"
)

// PrimaryKinds lists every kind StartPrimary runs.
var PrimaryKinds = []PrimaryKind{PrimaryBIND, PrimaryNSD, PrimaryKnot}

// PrimaryOptions says whom a primary notifies and how it guards its transfers.
type PrimaryOptions struct {
	// NotifyTo are host:port addresses sent a NOTIFY whenever a zone changes.
	NotifyTo []string
	// Key, when set, is required for every transfer (an unsigned one is refused).
	Key *TSIGKey
	// Port, when set, is the port to listen on (from FreePort): a test restarting a primary
	// keeps its address. Default: a new FreePort.
	Port int
}

// Primary is a running primary server.
type Primary struct {
	Kind PrimaryKind
	// Addr is its DNS address, 127.0.0.1:port, UDP and TCP.
	Addr string
	// Proc is the process; its output is the server's log.
	Proc *Process

	dir   string
	conf  string
	files map[string]string // origin (fully qualified) to zone file
}

// StartPrimary runs a primary of kind on 127.0.0.1 for zones (origin to zone-file text),
// in the foreground with its state in a temp dir, and waits until every zone answers its
// SOA. It stops the server when the test ends.
func StartPrimary(t testing.TB, kind PrimaryKind, zones map[string]string, opts PrimaryOptions) *Primary {
	t.Helper()
	pc, ok := primaryConfs[kind]
	if !ok {
		t.Fatalf("StartPrimary: unknown kind %q", kind)
	}
	bin := installed(t, pc.env, pc.binary, pc.pkg)
	dir := t.TempDir()
	port := opts.Port
	if port == 0 {
		port = FreePort(t)
	}
	p := &Primary{Kind: kind, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, files: map[string]string{}}
	var zs []refZone
	for _, origin := range slices.Sorted(maps.Keys(zones)) {
		name := strings.TrimSuffix(dns.Fqdn(origin), ".")
		file := WriteFile(t, dir, name+".zone", zones[origin])
		p.files[dns.Fqdn(origin)] = file
		zs = append(zs, refZone{name: name, file: file})
	}
	text := pc.conf(dir, port, zs, opts)
	p.conf = WriteFile(t, dir, pc.name+".conf", text)
	p.Proc = startProcess(t, string(kind)+" primary", exec.Command(bin, pc.args(p.conf)...), dir, p.Addr)
	if err := p.Proc.waitReady("udp", zs[0].name+".", DefaultReadyTimeout); err != nil {
		t.Fatalf("%s primary: %v\nconfig:\n%s\noutput:\n%s", kind, err, text, p.Proc.Output())
	}
	for _, z := range zs {
		p.waitSerial(t, z.name+".", func(*dns.SOA) bool { return true })
	}
	return p
}

// SetZone replaces the text of zone (which the primary must serve) and has the primary
// reload it, then waits until it serves text's serial. A primary with NotifyTo sends its
// NOTIFYs then.
func (p *Primary) SetZone(t testing.TB, zone, text string) {
	t.Helper()
	zone = dns.Fqdn(zone)
	file, ok := p.files[zone]
	if !ok {
		t.Fatalf("%s primary does not serve %s", p.Kind, zone)
	}
	want := zoneSerial(t, zone, text)
	WriteFile(t, filepath.Dir(file), filepath.Base(file), text)
	switch p.Kind {
	case PrimaryKnot:
		knotc := installed(t, "HOSTDNS_KNOTC", "/usr/sbin/knotc", "knot")
		if out, err := exec.Command(knotc, "-s", filepath.Join(p.dir, "knot.sock"), "zone-reload", zone).CombinedOutput(); err != nil {
			t.Fatalf("knotc zone-reload %s: %v\n%s", zone, err, out)
		}
	default:
		// named and nsd reread changed zone files on SIGHUP.
		if err := p.Proc.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatalf("reloading %s primary: %v", p.Kind, err)
		}
	}
	p.waitSerial(t, zone, func(s *dns.SOA) bool { return s.Serial == want })
}

// Stop stops the primary (SIGTERM), before the test ends: for a test of what its
// secondaries do without it.
func (p *Primary) Stop() { p.Proc.Stop() }

// Log returns what the primary logged so far.
func (p *Primary) Log() string { return p.Proc.Output() }

// OutgoingTransfers counts the transfers of zone of kind ("AXFR" or "IXFR") the primary
// logged as started. NSD 4.6 logs no transfer kind and is never counted.
func (p *Primary) OutgoingTransfers(zone, kind string) int {
	name := strings.TrimSuffix(dns.Fqdn(zone), ".")
	n := 0
	for _, line := range strings.Split(p.Log(), "\n") {
		switch p.Kind {
		case PrimaryBIND:
			// transfer of 'example.org/IN': IXFR started (serial 1 -> 2), not "AXFR-style IXFR"
			if strings.Contains(line, "transfer of '"+name+"/IN'") && strings.Contains(line, "': "+kind+" started") {
				n++
			}
		case PrimaryKnot:
			// [example.org.] IXFR, outgoing, remote 127.0.0.1@39716, started, serial 1 -> 2
			if strings.Contains(line, "["+name+".] "+kind+", outgoing") && strings.Contains(line, "started") {
				n++
			}
		}
	}
	return n
}

func (p *Primary) waitSerial(t testing.TB, zone string, ok func(*dns.SOA) bool) {
	t.Helper()
	c := &dns.Client{Timeout: time.Second}
	Eventually(t, 15*time.Second, fmt.Sprintf("%s primary serving %s", p.Kind, zone), func() bool {
		m, _, err := c.Exchange(Query(zone, dns.TypeSOA), p.Addr)
		if err != nil || m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
			return false
		}
		soa, isSOA := m.Answer[0].(*dns.SOA)
		return isSOA && ok(soa)
	})
}

// zoneSerial returns the serial of the SOA in text.
func zoneSerial(t testing.TB, zone, text string) uint32 {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), zone, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			return soa.Serial
		}
	}
	t.Fatalf("zone %s: no SOA in the text (%v)", zone, zp.Err())
	return 0
}

// primaryConf is how one kind of primary is configured and run.
type primaryConf struct {
	name, env, binary, pkg string
	conf                   func(dir string, port int, zones []refZone, o PrimaryOptions) string
	args                   func(conf string) []string
}

var primaryConfs = map[PrimaryKind]primaryConf{
	PrimaryBIND: {name: "named", env: "HOSTDNS_NAMED", binary: NamedBinary, pkg: "bind9",
		conf: bindPrimaryConf, args: func(conf string) []string { return []string{"-g", "-4", "-n", "1", "-c", conf} }},
	PrimaryNSD: {name: "nsd", env: "HOSTDNS_NSD", binary: NSDBinary, pkg: "nsd",
		conf: nsdPrimaryConf, args: func(conf string) []string { return []string{"-d", "-c", conf} }},
	PrimaryKnot: {name: "knot", env: "HOSTDNS_KNOTD", binary: KnotBinary, pkg: "knot",
		conf: knotPrimaryConf, args: func(conf string) []string { return []string{"-c", conf} }},
}

// hostPort splits a host:port address as BIND, NSD and Knot want it.
func hostPort(addr string) (string, string) {
	h, p, _ := net.SplitHostPort(addr)
	return h, p
}

func bindPrimaryConf(dir string, port int, zones []refZone, o PrimaryOptions) string {
	var b strings.Builder
	allow := "127.0.0.1;"
	if o.Key != nil {
		fmt.Fprintf(&b, "key %q { algorithm %s; secret %q; };\n", strings.TrimSuffix(o.Key.Name, "."), o.Key.alg(), o.Key.Secret)
		allow = fmt.Sprintf("key %q;", strings.TrimSuffix(o.Key.Name, "."))
	}
	notify := "no"
	var also []string
	for _, a := range o.NotifyTo {
		h, p := hostPort(a)
		also = append(also, fmt.Sprintf("%s port %s;", h, p))
	}
	if len(also) > 0 {
		notify = "explicit"
	}
	b.WriteString(namedOptions(dir, port, fmt.Sprintf(`	notify %s;
	allow-transfer { %s };
	ixfr-from-differences yes;
	max-ixfr-ratio unlimited;
	notify-delay 0;
`, notify, allow)))
	if len(also) > 0 {
		fmt.Fprintf(&b, "\talso-notify { %s };\n", strings.Join(also, " "))
	}
	b.WriteString("};\ncontrols { };\n")
	for _, z := range zones {
		fmt.Fprintf(&b, "zone %q { type primary; file %q; };\n", z.name, z.file)
	}
	return b.String()
}

func nsdPrimaryConf(dir string, port int, zones []refZone, o PrimaryOptions) string {
	var b strings.Builder
	b.WriteString(nsdServerConf(dir, port, 2, ""))
	key := "NOKEY"
	if o.Key != nil {
		key = strings.TrimSuffix(o.Key.Name, ".")
		fmt.Fprintf(&b, "key:\n\tname: %q\n\talgorithm: %s\n\tsecret: %q\n", key, o.Key.alg(), o.Key.Secret)
	}
	for _, z := range zones {
		fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\tprovide-xfr: 127.0.0.1 %s\n", z.name, z.file, key)
		for _, a := range o.NotifyTo {
			h, p := hostPort(a)
			fmt.Fprintf(&b, "\tnotify: %s@%s NOKEY\n", h, p)
		}
	}
	return b.String()
}

func knotPrimaryConf(dir string, port int, zones []refZone, o PrimaryOptions) string {
	var b strings.Builder
	b.WriteString(knotServerConf(dir, port))
	aclKey := ""
	if o.Key != nil {
		fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n", o.Key.Name, o.Key.alg(), o.Key.Secret)
		aclKey = "\n    key: " + o.Key.Name
	}
	var notify []string
	if len(o.NotifyTo) > 0 {
		b.WriteString("remote:\n")
		for i, a := range o.NotifyTo {
			h, p := hostPort(a)
			fmt.Fprintf(&b, "  - id: n%d\n    address: %s@%s\n", i, h, p)
			notify = append(notify, fmt.Sprintf("n%d", i))
		}
	}
	fmt.Fprintf(&b, "acl:\n  - id: transfer\n    address: 127.0.0.1\n    action: transfer%s\n", aclKey)
	// journal-content changes + zonefile-load difference: a reloaded zone file becomes a
	// journal entry, served as IXFR.
	fmt.Fprintf(&b, `template:
  - id: default
    storage: %q
    file: "%%s.zone"
    acl: [transfer]
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    semantic-checks: off
`, dir)
	if len(notify) > 0 {
		fmt.Fprintf(&b, "    notify: [%s]\n", strings.Join(notify, ", "))
	}
	b.WriteString("zone:\n")
	for _, z := range zones {
		fmt.Fprintf(&b, "  - domain: %s.\n    file: %q\n", z.name, z.file)
	}
	return b.String()
}

package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// UnboundBinary is where Debian's unbound package puts the validating resolver;
// HOSTDNS_UNBOUND names another. UnboundControlBinary is its control tool.
const (
	UnboundBinary        = "/usr/sbin/unbound"
	UnboundControlBinary = "/usr/sbin/unbound-control"
)

// UnboundZone is a zone Unbound asks one authoritative server for, rather than
// resolving from the root (which the test machine cannot reach).
type UnboundZone struct {
	// Name is the zone's origin.
	Name string
	// Addr is the host:port of the authoritative server under test.
	Addr string
	// Anchors are the zone's trust anchors, DS or DNSKEY records: with none, the zone
	// is validated only through its parent's DS, or not at all.
	Anchors []dns.RR
}

// UnboundOptions says what a test's Unbound resolves and trusts.
type UnboundOptions struct {
	// Zones are stub zones, each sent to its own server.
	Zones []UnboundZone
}

// Unbound is a validating resolver started by StartUnbound.
type Unbound struct {
	*Process
	// Conf is the path of its configuration file, for unbound-control.
	Conf string
	// Log is the path of its log file: validation failures are explained there
	// (val-log-level 2), and printed when the test fails.
	Log string
}

// StartUnbound runs NLnet Labs' Unbound as a validating resolver on 127.0.0.1 and a free
// port, for the zones of opts only: each a stub zone sent to the server under test, its
// trust anchors configured, so an answer Unbound validates has AD set and one that fails
// validation becomes SERVFAIL (with an Extended DNS Error saying why). It runs in the
// foreground, as the test's user, no chroot, its files in a temp dir, and returns once it
// answers; it stops when the test ends, printing its log if the test failed.
//
// Unbound caches: a test that changes what the server serves (a key rollover) either
// starts a fresh Unbound for each step, which sees only the new state, or keeps one and
// calls FlushZone, which forgets answers and keys alike. Keeping an Unbound without a
// flush is what tests a rollover against a resolver that still holds the old DNSKEY set.
func StartUnbound(t testing.TB, opts UnboundOptions) *Unbound {
	t.Helper()
	bin := installed(t, "HOSTDNS_UNBOUND", UnboundBinary, "unbound")
	if len(opts.Zones) == 0 {
		t.Fatal("StartUnbound: no zones")
	}
	dir := t.TempDir()
	port := FreePort(t)
	u := &Unbound{Log: filepath.Join(dir, "unbound.log")}
	u.Conf = WriteFile(t, dir, "unbound.conf", unboundConf(dir, port, u.Log, opts))
	// -d: foreground; -p: no pidfile of its own to remove.
	cmd := exec.Command(bin, "-d", "-p", "-c", u.Conf)
	u.Process = startProcess(t, "unbound", cmd, dir, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("unbound configuration %s:\n%s\nunbound log:\n%s", u.Conf, readFile(u.Conf), u.LogText())
		}
	})
	if err := u.waitReady("udp", ".", DefaultReadyTimeout); err != nil {
		t.Fatalf("unbound: %v\noutput:\n%s\nlog:\n%s", err, u.Output(), u.LogText())
	}
	return u
}

// unboundConf writes the configuration: a resolver for the stub zones only, and
// everything that would make it query by itself (prefetch, NS address fetches, aggressive
// NSEC, qname minimisation) off, so each answer is one the server under test gave for
// that very question.
func unboundConf(dir string, port int, logFile string, opts UnboundOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
	interface: 127.0.0.1@%d
	outgoing-interface: 127.0.0.1
	do-ip6: no
	do-daemonize: no
	chroot: ""
	username: ""
	directory: %q
	pidfile: %q
	logfile: %q
	use-syslog: no
	log-time-ascii: yes
	verbosity: 1
	val-log-level: 2
	log-servfail: yes
	ede: yes
	num-threads: 1
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "validator iterator"
	trust-anchor-signaling: no
	root-key-sentinel: no
	qname-minimisation: no
	aggressive-nsec: no
	prefetch: no
	prefetch-key: no
	target-fetch-policy: "0 0 0 0 0"
	harden-referral-path: no
	val-bogus-ttl: 1
	minimal-responses: no
	hide-identity: yes
	hide-version: yes
remote-control:
	control-enable: yes
	control-interface: %q
	control-use-cert: no
`, port, dir, filepath.Join(dir, "unbound.pid"), logFile, filepath.Join(dir, "unbound.ctl"))
	for _, z := range opts.Zones {
		for _, a := range z.Anchors {
			fmt.Fprintf(&b, "server:\n\ttrust-anchor: %q\n", anchorString(a))
		}
	}
	for _, z := range opts.Zones {
		host, p, _ := net.SplitHostPort(z.Addr)
		fmt.Fprintf(&b, "stub-zone:\n\tname: %q\n\tstub-addr: %s@%s\n", dns.Fqdn(z.Name), host, p)
	}
	return b.String()
}

// anchorString writes a trust anchor as Unbound reads it: one line, no TTL needed.
func anchorString(rr dns.RR) string {
	s := rr.String()
	return strings.Join(strings.Fields(s), " ")
}

// LogText returns what Unbound logged so far.
func (u *Unbound) LogText() string { return readFile(u.Log) }

// Control runs unbound-control against u with args and returns its output, failing the
// test when it fails. The control channel is a Unix socket in u's temp dir, no TLS.
func (u *Unbound) Control(t testing.TB, args ...string) string {
	t.Helper()
	bin := installed(t, "HOSTDNS_UNBOUND_CONTROL", UnboundControlBinary, "unbound")
	out, err := exec.Command(bin, append([]string{"-c", u.Conf}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("unbound-control %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// FlushZone makes u forget everything at or below zone, answers, negative answers,
// validated keys and bogus marks alike, and what it learnt of the servers: its next
// answers for the zone are a fresh resolver's.
func (u *Unbound) FlushZone(t testing.TB, zone string) {
	t.Helper()
	u.Control(t, "flush_zone", dns.Fqdn(zone))
	u.Control(t, "flush_bogus")
	u.Control(t, "flush_negative")
	u.Control(t, "flush_infra", "all")
}

// Validate asks the resolver at resolverAddr for name and qtype as a validating stub does,
// RD and DO set, over UDP and again over TCP when truncated, and returns the answer.
// Validated answers have AD set; bogus ones are SERVFAIL. It fails the test on a network
// error.
func Validate(t testing.TB, resolverAddr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(4096, true)
	// Unbound may take a moment on the first question of a zone (it fetches the DNSKEY
	// set and the DS first): more than Exchange's loopback bound would be a hang.
	c := &dns.Client{Net: "udp", Timeout: 10 * time.Second}
	resp, _, err := c.Exchange(m, resolverAddr)
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		resp, _, err = c.Exchange(m, resolverAddr)
	}
	if err != nil {
		t.Fatalf("validating query %s to %s: %v", questionString(m), resolverAddr, err)
	}
	return resp
}

// EDE returns the Extended DNS Error of m (RFC 8914) as "code: text", "" when it has none:
// Unbound says there why an answer is bogus.
func EDE(m *dns.Msg) string {
	opt := m.IsEdns0()
	if opt == nil {
		return ""
	}
	for _, o := range opt.Option {
		if e, ok := o.(*dns.EDNS0_EDE); ok {
			return fmt.Sprintf("%d (%s): %s", e.InfoCode, dns.ExtendedErrorCodeToString[e.InfoCode], e.ExtraText)
		}
	}
	return ""
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}

package harness

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A secondary is a real DNS server from Debian (BIND, NSD, Knot) or CoreDNS's own
// secondary plugin, started by the test as a secondary of a primary under test: it
// transfers the zones from the primary, follows its NOTIFYs, and logs every transfer, so
// a test can check what a provider's secondary would receive. StartSecondary starts one.

// SecondaryKind names the software of a secondary.
type SecondaryKind string

const (
	// SecondaryBIND is BIND 9 (named, Debian package bind9).
	SecondaryBIND SecondaryKind = "bind"
	// SecondaryNSD is NLnet Labs' NSD 4 (package nsd).
	SecondaryNSD SecondaryKind = "nsd"
	// SecondaryKnot is CZ.NIC's Knot DNS 3 (knotd, package knot).
	SecondaryKnot SecondaryKind = "knot"
	// SecondaryCoreDNS is CoreDNS's secondary plugin, run by the coredns binary under test.
	SecondaryCoreDNS SecondaryKind = "coredns"
)

// SecondaryKinds lists every kind StartSecondary runs, in a stable order.
var SecondaryKinds = []SecondaryKind{SecondaryBIND, SecondaryNSD, SecondaryKnot, SecondaryCoreDNS}

// TSIGKey is a TSIG key shared by a primary and its secondaries.
type TSIGKey struct {
	// Name is the key's name, fully qualified ("xfr.example.").
	Name string
	// Algorithm is the HMAC as server configurations write it: "hmac-sha256" (the default
	// when empty) or "hmac-sha512".
	Algorithm string
	// Secret is the key, base64.
	Secret string
}

// NewTSIGKey returns a hmac-sha256 key called name with a random 256-bit secret.
func NewTSIGKey(t testing.TB, name string) *TSIGKey {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return &TSIGKey{Name: dns.Fqdn(name), Algorithm: "hmac-sha256", Secret: base64.StdEncoding.EncodeToString(b)}
}

// alg returns the key's algorithm as configurations write it.
func (k *TSIGKey) alg() string {
	if k.Algorithm == "" {
		return "hmac-sha256"
	}
	return k.Algorithm
}

// MiekgAlgorithm returns the key's algorithm as miekg/dns names it (dns.HmacSHA256).
func (k *TSIGKey) MiekgAlgorithm() string { return dns.Fqdn(k.alg()) }

// TsigSecret returns the key as miekg/dns's Client.TsigSecret wants it.
func (k *TSIGKey) TsigSecret() map[string]string { return map[string]string{k.Name: k.Secret} }

// SecondaryOptions says what a secondary serves and how it talks to its primary.
type SecondaryOptions struct {
	// Primary is the primary's address, 127.0.0.1:port: the secondary asks it for SOA and
	// transfers, and accepts NOTIFY from its IP address.
	Primary string
	// Zones are the zones the secondary transfers, each configured on its own.
	Zones []string
	// Key, when set, signs every SOA query and transfer the secondary sends to the primary.
	Key *TSIGKey
	// SignedNotify makes the secondary accept only NOTIFYs signed with Key (which must be
	// set); otherwise it accepts unsigned NOTIFYs from the primary's IP address. BIND always
	// also accepts NOTIFY from the address of a zone's primaries, signed or not (BIND's own
	// rule), so only NSD and Knot are strict. CoreDNS's secondary plugin has no TSIG.
	SignedNotify bool
	// Catalog, when set, is an RFC 9432 catalog zone to transfer from the primary too, its
	// members then transferred and served as they appear (BIND, Knot and CoreDNS; NSD has no
	// catalog support).
	Catalog string
	// Timeout bounds the wait for the first transfer of every zone of Zones (and of
	// Catalog). Default: 30 s.
	Timeout time.Duration
	// Port, when set, is the port to listen on, from FreePort: a test that must configure
	// the primary with the secondary's address (its NOTIFY targets) picks it first.
	// Default: a new FreePort.
	Port int
	// NoWait returns as soon as the server answers at all, without waiting for the zones:
	// for a test of a refused transfer.
	NoWait bool
}

// Secondary is a running secondary server.
type Secondary struct {
	// Kind says which software it is.
	Kind SecondaryKind
	// Addr is its DNS address, 127.0.0.1:port, UDP and TCP.
	Addr string
	// Proc is the process; its output is the server's log.
	Proc *Process
	// Opts are the options it was started with.
	Opts SecondaryOptions
}

// secondaryConf is how one kind of secondary is configured and run.
type secondaryConf struct {
	name, env, binary, pkg string
	// conf returns the configuration file's text for a server on 127.0.0.1:port with its
	// state in dir; args the command line that runs it in the foreground.
	conf func(dir string, port int, o SecondaryOptions) (string, error)
	args func(dir, conf string) []string
	// check, when set, is a command that validates the configuration file and says why
	// not: named logs configuration errors to syslog, not to its output, when run with -f.
	check []string
}

// StartSecondary starts a secondary of kind on 127.0.0.1 and a free port, running in the
// foreground as the test's user with its state in a temp dir and verbose transfer logs, and
// waits until every zone of opts answers its SOA, transferred, and the catalog's transfer
// is logged. It stops the server when the test ends and fails the test, with the server's
// log, when the server is missing (run test/scripts/ensure-services.sh), does not start,
// or a zone does not arrive.
func StartSecondary(t testing.TB, kind SecondaryKind, opts SecondaryOptions) *Secondary {
	t.Helper()
	if _, _, err := net.SplitHostPort(opts.Primary); err != nil {
		t.Fatalf("StartSecondary: primary %q: %v", opts.Primary, err)
	}
	if opts.SignedNotify && opts.Key == nil {
		t.Fatal("StartSecondary: SignedNotify needs a Key")
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	dir := t.TempDir()
	port := opts.Port
	if port == 0 {
		port = FreePort(t)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := &Secondary{Kind: kind, Addr: addr, Opts: opts}
	if kind == SecondaryCoreDNS {
		s.Proc = startCoreDNSSecondary(t, dir, port, opts)
	} else {
		sc, ok := secondaryConfs[kind]
		if !ok {
			t.Fatalf("StartSecondary: unknown kind %q", kind)
		}
		text, err := sc.conf(dir, port, opts)
		if err != nil {
			t.Fatalf("StartSecondary %s: %v", kind, err)
		}
		bin := installed(t, sc.env, sc.binary, sc.pkg)
		conf := WriteFile(t, dir, sc.name+".conf", text)
		if len(sc.check) > 0 {
			if out, err := exec.Command(sc.check[0], append(sc.check[1:], conf)...).CombinedOutput(); err != nil {
				t.Fatalf("%s secondary: configuration refused: %v\n%s\nconfig:\n%s", kind, err, out, text)
			}
		}
		s.Proc = startProcess(t, string(kind)+" secondary", exec.Command(bin, sc.args(dir, conf)...), dir, addr)
		if err := s.Proc.waitReady("udp", ".", DefaultReadyTimeout); err != nil {
			t.Fatalf("%s secondary: %v\nconfig:\n%s\noutput:\n%s", kind, err, text, s.Proc.Output())
		}
	}
	if opts.NoWait {
		return s
	}
	for _, z := range opts.Zones {
		s.WaitZone(t, z, opts.Timeout)
	}
	// Knot refuses queries for a catalog it interprets: its log tells the transfer.
	if opts.Catalog != "" {
		s.WaitTransferCount(t, opts.Catalog, 1, opts.Timeout)
	}
	return s
}

var secondaryConfs = map[SecondaryKind]secondaryConf{
	SecondaryBIND: bindSecondary,
	SecondaryNSD:  nsdSecondary,
	SecondaryKnot: knotSecondary,
}

// Log returns everything the server logged so far.
func (s *Secondary) Log() string { return s.Proc.Output() }

// SOA asks the secondary for zone's SOA over UDP and returns it, or an error when the
// secondary does not answer it with one (the zone is not loaded: SERVFAIL, REFUSED).
func (s *Secondary) SOA(zone string) (*dns.SOA, error) {
	c := &dns.Client{Timeout: time.Second}
	m, _, err := c.Exchange(Query(zone, dns.TypeSOA), s.Addr)
	if err != nil {
		return nil, err
	}
	if m.Rcode != dns.RcodeSuccess || !m.Authoritative {
		return nil, fmt.Errorf("%s SOA: rcode %s, aa %t", zone, dns.RcodeToString[m.Rcode], m.Authoritative)
	}
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, dns.Fqdn(zone)) {
			return soa, nil
		}
	}
	return nil, fmt.Errorf("%s SOA: no SOA in the answer: %v", zone, m)
}

// WaitZone waits until the secondary serves zone (answers its SOA with AA) and returns
// the SOA, or fails the test after limit with the secondary's log.
func (s *Secondary) WaitZone(t testing.TB, zone string, limit time.Duration) *dns.SOA {
	t.Helper()
	return s.WaitSettled(t, zone, 0, limit)
}

// settledStreak is how many answers in a row, settledGap apart, show a zone settled. NSD
// serves a transferred zone from new server processes, and for a moment an old one still
// answers as before the transfer (SERVFAIL for a zone it did not have).
const (
	settledStreak = 20
	settledGap    = 5 * time.Millisecond
)

// WaitSettled waits until the secondary answers zone's SOA with AA and serial (any serial
// when 0) settledStreak times in a row and returns the SOA, or fails the test after limit
// with the secondary's log.
func (s *Secondary) WaitSettled(t testing.TB, zone string, serial uint32, limit time.Duration) *dns.SOA {
	t.Helper()
	deadline := time.Now().Add(limit)
	streak := 0
	for {
		soa, err := s.SOA(zone)
		if err == nil && serial != 0 && soa.Serial != serial {
			err = fmt.Errorf("%s SOA: serial %d, want %d", zone, soa.Serial, serial)
		}
		if err == nil {
			if streak++; streak == settledStreak {
				return soa
			}
			time.Sleep(settledGap)
			continue
		}
		streak = 0
		if time.Now().After(deadline) {
			t.Fatalf("%s secondary at %s: zone %s not served within %s: %v\nlog:\n%s", s.Kind, s.Addr, zone, limit, err, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ServedAt waits until the secondary serves zone with a serial at or past serial (RFC
// 1982) and returns when it first saw it, or an error after deadline. It polls every 5 ms
// so a test can measure propagation, and does not touch testing.TB, so tests can wait for
// several secondaries at once from goroutines.
func (s *Secondary) ServedAt(zone string, serial uint32, deadline time.Time) (time.Time, error) {
	var last error
	for {
		soa, err := s.SOA(zone)
		now := time.Now()
		if err == nil {
			if serialAtLeast(soa.Serial, serial) {
				return now, nil
			}
			last = fmt.Errorf("serves serial %d", soa.Serial)
		} else {
			last = err
		}
		if now.After(deadline) {
			return now, fmt.Errorf("%s secondary at %s: %s serial %d not served by %s: %v", s.Kind, s.Addr, zone, serial, deadline.Format(time.StampMilli), last)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitSerial waits until the secondary serves zone at serial or later (RFC 1982) and
// returns when it first saw it, or fails the test after limit with the secondary's log.
func (s *Secondary) WaitSerial(t testing.TB, zone string, serial uint32, limit time.Duration) time.Time {
	t.Helper()
	at, err := s.ServedAt(zone, serial, time.Now().Add(limit))
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, s.Log())
	}
	return at
}

// ServedAll waits, for each secondary at once, until it serves zone at serial or later,
// and returns how long after since each first served it: commit-to-served times. It
// fails the test, with the logs of those that did not, after limit from since.
func ServedAll(t testing.TB, secs []*Secondary, zone string, serial uint32, since time.Time, limit time.Duration) map[SecondaryKind]time.Duration {
	t.Helper()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		out  = map[SecondaryKind]time.Duration{}
		errs []string
	)
	for _, s := range secs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, err := s.ServedAt(zone, serial, since.Add(limit))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Sprintf("%v\nlog:\n%s", err, s.Log()))
				return
			}
			out[s.Kind] = at.Sub(since)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(strings.Join(errs, "\n"))
	}
	return out
}

// serialAtLeast reports whether a is b or comes after it in RFC 1982 serial arithmetic.
func serialAtLeast(a, b uint32) bool { return a == b || int32(a-b) > 0 }

// Notify sends a NOTIFY for zone to the secondary from 127.0.0.1, with soa in the answer
// section when set, signed with key when set, and returns the reply (a server that drops
// the NOTIFY gives a timeout error). Tests use it to check which NOTIFYs a secondary
// accepts.
func (s *Secondary) Notify(zone string, soa *dns.SOA, key *TSIGKey) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetNotify(dns.Fqdn(zone))
	if soa != nil {
		m.Answer = []dns.RR{soa}
	}
	c := &dns.Client{Timeout: 2 * time.Second}
	if key != nil {
		m.SetTsig(key.Name, key.MiekgAlgorithm(), 300, time.Now().Unix())
		c.TsigSecret = key.TsigSecret()
	}
	r, _, err := c.Exchange(m, s.Addr)
	return r, err
}

// AXFR transfers zone from the secondary (each kind here allows transfers to 127.0.0.1),
// without the trailing SOA, so a test can compare the whole zone it holds.
func (s *Secondary) AXFR(t testing.TB, zone string) []dns.RR {
	t.Helper()
	// NSD serves a transferred zone from new server processes: for a moment after its
	// SOA is answered, a TCP connection can still reach an old one, which answers the
	// AXFR NOTAUTH. Such a refusal is retried until axfrLimit.
	deadline := time.Now().Add(axfrLimit)
	for {
		rrs, err := TryAXFR(s.Addr, zone)
		if err == nil {
			if len(rrs) > 1 {
				rrs = rrs[:len(rrs)-1]
			}
			return rrs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s secondary: %v\nlog:\n%s", s.Kind, err, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// axfrLimit bounds how long Secondary.AXFR retries a refused transfer.
const axfrLimit = 5 * time.Second

// primaryHostPort splits SecondaryOptions.Primary.
func primaryHostPort(o SecondaryOptions) (string, string) {
	h, p, _ := net.SplitHostPort(o.Primary)
	return h, p
}

package compare_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// zoneSeed is one PowerDNS gmysql database with two zones, rows as PowerDNS's tools write
// them. planted.example.org has 192.0.2.50 in the database; hostdns's Corefile answers it
// from a template instead (192.0.2.250): the one difference planted on one side only.
var zoneSeed = `
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE'), (2, 'example.net', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio) VALUES
 (1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 2026010101 10800 3600 604800 300', 300, 0),
 (1, 'example.org', 'NS', 'ns1.example.org', 3600, 0),
 (1, 'example.org', 'NS', 'ns2.example.org', 3600, 0),
 (1, 'example.org', 'MX', 'mail.example.org', 3600, 10),
 (1, 'example.org', 'TXT', 'v=spf1 mx -all', 3600, 0),
 (1, 'ns1.example.org', 'A', '192.0.2.53', 3600, 0),
 (1, 'ns2.example.org', 'A', '192.0.2.54', 3600, 0),
 (1, 'www.example.org', 'A', '192.0.2.1', 300, 0),
 (1, 'www.example.org', 'A', '192.0.2.2', 300, 0),
 (1, 'www.example.org', 'AAAA', '2001:db8::1', 300, 0),
 (1, 'mail.example.org', 'A', '192.0.2.25', 300, 0),
 (1, 'web.example.org', 'CNAME', 'www.example.org', 300, 0),
 (1, '*.wild.example.org', 'A', '192.0.2.80', 300, 0),
 (1, '_sip._tcp.example.org', 'SRV', '5 5060 sip.example.org', 300, 10),
 (1, 'planted.example.org', 'A', '192.0.2.50', 300, 0),
` + bigTXT() + `
 (2, 'example.net', 'SOA', 'ns1.example.org hostmaster.example.org 1 10800 3600 604800 300', 300, 0),
 (2, 'example.net', 'NS', 'ns1.example.org', 3600, 0),
 (2, 'www.example.net', 'A', '198.51.100.1', 300, 0),
 (2, 'www.example.net', 'TXT', 'hello world', 300, 0);
`

// bigTXT is 12 TXT rows of 100 octets at big.example.org: an answer of some 1,400 octets,
// truncated over UDP without EDNS.
func bigTXT() string {
	var rows []string
	for i := range 12 {
		rows = append(rows, fmt.Sprintf(" (1, 'big.example.org', 'TXT', '%02d%s', 300, 0),", i, strings.Repeat("x", 98)))
	}
	return strings.Join(rows, "\n")
}

// question is one query the tests ask: over UDP or TCP, with or without EDNS and DO.
type question struct {
	name    string
	qtype   uint16
	network string
	edns    uint16 // 0: no OPT record
	do      bool
	rd      bool
}

func (q question) msg() *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	m.RecursionDesired = q.rd
	if q.edns > 0 {
		m.SetEdns0(q.edns, q.do)
	}
	return m
}

// questions are the queries the captures hold: positive, negative (NXDOMAIN, NODATA),
// wildcard, CNAME, SRV, a name outside the zones, over UDP and TCP, with and without EDNS.
var questions = []question{
	{"example.org.", dns.TypeSOA, "udp", 1232, false, true},
	{"example.org.", dns.TypeNS, "udp", 1232, false, false},
	{"example.org.", dns.TypeMX, "tcp", 1232, false, true},
	{"example.org.", dns.TypeTXT, "udp", 0, false, true},
	{"www.example.org.", dns.TypeA, "udp", 1232, true, true},
	{"WWW.Example.ORG.", dns.TypeA, "udp", 4096, false, true},
	{"www.example.org.", dns.TypeAAAA, "tcp", 0, false, false},
	{"www.example.org.", dns.TypeMX, "udp", 1232, false, true},
	{"web.example.org.", dns.TypeA, "udp", 1232, false, true},
	{"nosuch.example.org.", dns.TypeA, "udp", 1232, false, true},
	{"host.wild.example.org.", dns.TypeA, "udp", 512, false, true},
	{"_sip._tcp.example.org.", dns.TypeSRV, "tcp", 1232, false, true},
	{"planted.example.org.", dns.TypeA, "udp", 1232, false, true},
	{"big.example.org.", dns.TypeTXT, "udp", 0, false, true}, // truncated: asked again over TCP
	{"www.example.net.", dns.TypeTXT, "udp", 1232, false, true},
	{"nope.example.net.", dns.TypeAAAA, "tcp", 1232, false, true},
	{"www.example.com.", dns.TypeA, "udp", 1232, false, true},
}

// servers are PowerDNS and hostdns on one database, and hostdns's dnstap output.
type servers struct {
	pdns, hostdns string // 127.0.0.1:port, UDP and TCP
	hostdnsServer *harness.Server
	tap           *tapReceiver
}

func startServers(t *testing.T) *servers {
	t.Helper()
	dir := t.TempDir()
	m := harness.NewPowerDNSDatabase(t, harness.WriteFile(t, dir, "seed.sql", zoneSeed))
	pdns := harness.StartPowerDNS(t, m, "example.org.")

	tap := startTapReceiver(t, filepath.Join(dir, "tap.sock"), filepath.Join(dir, "hostdns.dnstap"), sentinelWire())
	// One port for UDP and TCP, as a server in service has: the tool asks both on one address.
	port := harness.FreePort(t)
	corefile := fmt.Sprintf(`.:%d {
	bind 127.0.0.1
	dnstap %s full
	template IN A example.org {
		match ^planted\.example\.org\.$
		answer "{{ .Name }} 300 IN A 192.0.2.250"
		fallthrough
	}
	sqlbackend {
		driver mysql
		dsn %s
	}
}`, port, tap.socket, m.DSN)
	h := harness.StartServer(t, corefile)
	harness.WaitFor(t, h.UDP, "example.org.", dns.TypeSOA, func(m *dns.Msg) bool {
		return m.Rcode == dns.RcodeSuccess && len(m.Answer) == 1
	}, 15*time.Second)
	return &servers{pdns: pdns.Addr, hostdns: h.UDP, hostdnsServer: h, tap: tap}
}

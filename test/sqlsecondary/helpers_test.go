// Package sqlsecondary tests the sqlsecondary plugin against real parts: hostdns nodes
// (sqlsecondary, which pulls the SLAVE zones of the database into it, and sqlbackend,
// which serves them) sharing one MariaDB or SQLite database, and real primaries on
// loopback (BIND, NSD, Knot, and primaries written here that misbehave on purpose).
package sqlsecondary

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
)

// waitLimit bounds every wait for the plugin: a new zone is pulled "at once", so anything
// near this is a failure, not slowness.
const waitLimit = 20 * time.Second

// zonesDB is a database in the PowerDNS schema shared by the nodes of a test; the test
// writes to it through a connection of its own, as the provider's control panel would.
type zonesDB struct {
	dialect sqlstore.Dialect
	DB      *sql.DB
	driver  string
	dsn     string
}

func newMariaDB(t testing.TB) *zonesDB {
	t.Helper()
	m := harness.NewMariaDB(t)
	s, err := sqlstore.Open(sqlstore.MySQL, m.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &zonesDB{dialect: sqlstore.MySQL, DB: m.DB, driver: "mysql", dsn: m.DSN}
}

func newPostgres(t testing.TB) *zonesDB {
	t.Helper()
	p := harness.NewPostgres(t)
	s, err := sqlstore.Open(sqlstore.Postgres, p.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &zonesDB{dialect: sqlstore.Postgres, DB: p.DB, driver: "postgres", dsn: p.DSN}
}

func newSQLite(t testing.TB) *zonesDB {
	t.Helper()
	db, path := harness.NewSQLite(t)
	return &zonesDB{dialect: sqlstore.SQLite, DB: db, driver: "sqlite", dsn: path}
}

func (d *zonesDB) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := d.DB.ExecContext(context.Background(), d.dialect.Rebind(q), args...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

// count returns the integer a one-value query returns.
func (d *zonesDB) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.DB.QueryRowContext(context.Background(), d.dialect.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
	return n
}

// addSlave inserts the domains row of a SLAVE zone pulled from masters (PowerDNS's
// comma-separated ip[:port] list) and returns its id.
func (d *zonesDB) addSlave(t testing.TB, zone, masters string) int {
	t.Helper()
	name := strings.TrimSuffix(zone, ".")
	d.exec(t, `INSERT INTO domains (name, type, master) VALUES (?, 'SLAVE', ?)`, name, masters)
	return d.count(t, `SELECT id FROM domains WHERE name = ?`, name)
}

// records counts the rows of domain id.
func (d *zonesDB) records(t testing.TB, id int) int {
	t.Helper()
	return d.count(t, `SELECT COUNT(*) FROM records WHERE domain_id = ?`, id)
}

// nodeCorefile is the Corefile of one node on 127.0.0.1:port: sqlsecondary pulling the
// SLAVE zones into the database, sqlbackend serving the database. Each node gets its own
// sqlbackend poll so two in-process nodes never share one sqlbackend store (instances with
// the same configuration do), and so are two nodes as in production. settings are extra
// sqlsecondary lines.
func (d *zonesDB) nodeCorefile(port int, node string, settings ...string) string {
	poll := 50 + len(node)%7*10
	return fmt.Sprintf(`.:%d {
	bind 127.0.0.1
	sqlsecondary {
		driver %s
		dsn %s
		poll 100ms
		lease 2s
		timeout 20s
		node %s
		%s
	}
	sqlbackend {
		driver %s
		dsn %s
		poll %dms
	}
}
`, port, d.driver, d.dsn, node, strings.Join(settings, "\n\t\t"), d.driver, d.dsn, poll)
}

// node is a hostdns node under test.
type node struct {
	name string
	addr string // 127.0.0.1:port, UDP and TCP
	srv  *harness.Server
}

// startNode runs a node in-process on port (0: a new free one).
func startNode(t testing.TB, d *zonesDB, name string, port int, settings ...string) *node {
	t.Helper()
	if port == 0 {
		port = harness.FreePort(t)
	}
	s := harness.StartServer(t, d.nodeCorefile(port, name, settings...))
	return &node{name: name, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), srv: s}
}

// waitSerial waits until addr answers the SOA of zone with serial, authoritatively.
func waitSerial(t testing.TB, addr, zone string, serial uint32) {
	t.Helper()
	harness.WaitFor(t, addr, zone, dns.TypeSOA, func(m *dns.Msg) bool {
		if m.Rcode != dns.RcodeSuccess || !m.Authoritative || len(m.Answer) != 1 {
			return false
		}
		soa, ok := m.Answer[0].(*dns.SOA)
		return ok && soa.Serial == serial
	}, waitLimit)
}

// assertSameAnswers checks that node answers every query of qs as the primary does:
// rcode, AA, the answer and authority sections exactly, and an additional section holding
// only records the primary's holds too (the primaries run with minimal-responses off;
// sqlbackend, like CoreDNS's file plugin, adds no glue for the authority's NS records of
// a positive answer, which is its own choice, not the pulled data's), over UDP.
func assertSameAnswers(t testing.TB, nodeAddr, primaryAddr string, qs []dns.Question) {
	t.Helper()
	for _, q := range qs {
		want := harness.Exchange(t, primaryAddr, harness.Query(q.Name, q.Qtype), "udp")
		got := harness.Exchange(t, nodeAddr, harness.Query(q.Name, q.Qtype), "udp")
		harness.AssertResponse(t, got, responseOf(want, got))
	}
}

// responseOf is what a reference server answered, as an expected harness.Response; its
// additional section is the records of got's that ref holds (what got has more shows as
// a difference).
func responseOf(ref, got *dns.Msg) harness.Response {
	r := harness.Response{Rcode: ref.Rcode, Authoritative: ref.Authoritative}
	for _, rr := range ref.Answer {
		r.Answer = append(r.Answer, rr.String())
	}
	for _, rr := range ref.Ns {
		r.Ns = append(r.Ns, rr.String())
	}
	refExtra := map[string]bool{}
	for _, rr := range ref.Extra {
		refExtra[rr.String()] = true
	}
	for _, rr := range got.Extra {
		if rr.Header().Rrtype != dns.TypeOPT && refExtra[rr.String()] {
			r.Extra = append(r.Extra, rr.String())
		}
	}
	return r
}

// notifyFrom sends a NOTIFY for zone to addr from the local address ip (any 127/8 address
// is on loopback) and returns the answer. A NOTIFY carries the primary's SOA if it has one.
func notifyFrom(t testing.TB, ip, addr, zone string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetNotify(dns.Fqdn(zone))
	m.Authoritative = true
	c := &dns.Client{Net: "udp", Timeout: 5 * time.Second,
		Dialer: &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.UDPAddr{IP: net.ParseIP(ip)}}}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("NOTIFY %s to %s from %s: %v", zone, addr, ip, err)
	}
	return r
}

// zoneText is a zone of origin with serial, SOA timers "refresh retry expire" and n host
// records besides an MX, a TXT and a delegation: a zone with every section in its answers.
func zoneText(origin string, serial uint32, timers string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n", dns.Fqdn(origin))
	fmt.Fprintf(&b, "@ 3600 IN SOA ns1 hostmaster %d %s 300\n", serial, timers)
	b.WriteString("@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n")
	b.WriteString("@ 300 IN MX 10 mail\nmail 300 IN A 192.0.2.25\n")
	fmt.Fprintf(&b, "txt 300 IN TXT \"serial %d\"\n", serial)
	b.WriteString("sub 3600 IN NS ns.sub\nns.sub 3600 IN A 192.0.2.54\n")
	for i := range n {
		fmt.Fprintf(&b, "h%d 300 IN A 198.51.%d.%d\n", i, i/250, i%250+1)
	}
	return b.String()
}

// zoneQuestions are queries that show a zone of zoneText whole: an answer with its
// authority and glue, an MX with its additional address, a TXT that changes with the
// serial, a referral, a name that does not exist and a NODATA.
func zoneQuestions(origin string) []dns.Question {
	q := func(name string, qt uint16) dns.Question {
		return dns.Question{Name: name + dns.Fqdn(origin), Qtype: qt, Qclass: dns.ClassINET}
	}
	return []dns.Question{
		q("", dns.TypeSOA), q("", dns.TypeNS), q("", dns.TypeMX), q("txt.", dns.TypeTXT),
		q("h0.", dns.TypeA), q("www.sub.", dns.TypeA), q("nothere.", dns.TypeA), q("mail.", dns.TypeAAAA),
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

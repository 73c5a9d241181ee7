package secondaryfeed_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// sqliteZones is an SQLite file in the PowerDNS schema, with the Corefile lines that
// serve it.
type sqliteZones struct {
	db   *sql.DB
	path string
}

func newSQLite(t testing.TB) *sqliteZones {
	t.Helper()
	db, path := harness.NewSQLite(t)
	return &sqliteZones{db: db, path: path}
}

func (s *sqliteZones) block() string {
	return fmt.Sprintf("sqlbackend {\n\t\tdriver sqlite\n\t\tdsn %s\n\t\tpoll 50ms\n\t}", s.path)
}

func (s *sqliteZones) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := s.db.Exec(q, args...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

// load writes zone-file text as the rows of domain id.
func (s *sqliteZones) load(t testing.TB, id int, origin, text string) {
	t.Helper()
	s.exec(t, `INSERT INTO domains (id, name, type) VALUES (?, ?, 'NATIVE')`, id, strings.TrimSuffix(origin, "."))
	for _, rr := range parseZone(t, origin, text) {
		name, typ, content, prio := harness.PowerDNSRow(rr)
		s.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (?, ?, ?, ?, ?, ?, FALSE, TRUE)`,
			id, name, typ, content, rr.Header().Ttl, prio)
	}
}

// xfr sends m over TCP and reads the whole answer: every message until the transfer's
// closing SOA (a single-SOA answer is one message).
func xfr(t testing.TB, addr string, m *dns.Msg) []*dns.Msg {
	t.Helper()
	co, err := dns.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	co.SetDeadline(time.Now().Add(10 * time.Second))
	if err := co.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	var msgs []*dns.Msg
	var rrs []dns.RR
	for !complete(rrs) {
		r, err := co.ReadMsg()
		if err != nil {
			t.Fatalf("reading the transfer after %d messages: %v", len(msgs), err)
		}
		msgs = append(msgs, r)
		rrs = append(rrs, r.Answer...)
		if r.Rcode != dns.RcodeSuccess {
			break
		}
	}
	return msgs
}

// complete says whether rrs is a whole transfer: one SOA (up to date), an AXFR-style
// SOA...SOA, or an incremental one whose new SOA shows three times.
func complete(rrs []dns.RR) bool {
	if len(rrs) == 0 {
		return false
	}
	first, ok := rrs[0].(*dns.SOA)
	if !ok || len(rrs) == 1 {
		return ok
	}
	want := 2
	if _, ok := rrs[1].(*dns.SOA); ok {
		want = 3
	}
	n := 0
	for _, rr := range rrs {
		if s, ok := rr.(*dns.SOA); ok && s.Serial == first.Serial {
			n++
		}
	}
	return n >= want
}

// answers checks every message of a transfer (NOERROR, authoritative, the question
// echoed) and returns their records in order.
func answers(t testing.TB, msgs []*dns.Msg, q dns.Question) []string {
	t.Helper()
	var out []string
	for i, m := range msgs {
		if m.Rcode != dns.RcodeSuccess || !m.Authoritative || !m.Response || m.Truncated {
			t.Errorf("message %d: rcode %s aa %v qr %v tc %v", i, dns.RcodeToString[m.Rcode], m.Authoritative, m.Response, m.Truncated)
		}
		if len(m.Question) != 1 || m.Question[0] != q {
			t.Errorf("message %d: question %v, want %v", i, m.Question, q)
		}
		if len(m.Ns) != 0 || len(m.Extra) != 0 {
			t.Errorf("message %d: authority %v additional %v, want none", i, m.Ns, m.Extra)
		}
		out = append(out, texts(m.Answer)...)
	}
	return out
}

func axfrQuery(zone string) *dns.Msg {
	m := new(dns.Msg)
	m.SetAxfr(zone)
	return m
}

func ixfrQuery(zone string, serial uint32) *dns.Msg {
	m := new(dns.Msg)
	m.SetIxfr(zone, serial, "ns1."+zone, "hostmaster."+zone)
	return m
}

// waitFed waits until secondaryfeed serves zone at serial: an IXFR over UDP, which only
// secondaryfeed answers (with its current SOA), tells its serial.
func waitFed(t testing.TB, addr, zone string, serial uint32) {
	t.Helper()
	c := &dns.Client{Timeout: time.Second}
	harness.Eventually(t, 10*time.Second, fmt.Sprintf("%s fed at serial %d", zone, serial), func() bool {
		m, _, err := c.Exchange(ixfrQuery(zone, 1), addr)
		return err == nil && soaSerialIs(serial)(m)
	})
}

// soaSerialIs is a WaitFor condition: the apex SOA answer carries serial.
func soaSerialIs(serial uint32) func(*dns.Msg) bool {
	return func(m *dns.Msg) bool {
		if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
			return false
		}
		soa, ok := m.Answer[0].(*dns.SOA)
		return ok && soa.Serial == serial
	}
}

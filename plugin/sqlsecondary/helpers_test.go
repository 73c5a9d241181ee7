package sqlsecondary

import (
	"context"
	"database/sql"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// newDB makes an SQLite file with the PowerDNS schema and the change log.
func newDB(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zones.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, ""); err != nil {
		t.Fatal(err)
	}
	return path
}

// openStore opens path and closes it at the end of the test.
func openStore(t testing.TB, path string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startSecondary runs a plugin instance named node over the file at path.
func startSecondary(t *testing.T, path, node string, tune func(*config)) *Secondary {
	t.Helper()
	cfg := defaults()
	cfg.dialect, cfg.dsn, cfg.node = sqlstore.SQLite, path, node
	cfg.poll = 50 * time.Millisecond
	cfg.lease = 2 * time.Second
	cfg.timeout, cfg.idle = 10*time.Second, 5*time.Second
	if tune != nil {
		tune(&cfg)
	}
	s := newSecondary(cfg, openStore(t, path))
	s.minInterval = 50 * time.Millisecond
	s.start()
	t.Cleanup(s.stop)
	return s
}

// exec runs a statement or fails the test.
func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// addSlave inserts a SLAVE row and returns its id.
func addSlave(t *testing.T, db *sql.DB, name, master string) int64 {
	t.Helper()
	res, err := db.Exec(`INSERT INTO domains (name, master, type) VALUES (?, ?, 'SLAVE')`, name, master)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// storedSerial is the serial of the SOA stored for domain id; 0 for none.
func storedSerial(t *testing.T, db *sql.DB, zone string, id int64) uint32 {
	t.Helper()
	var content string
	err := db.QueryRow(`SELECT content FROM records WHERE domain_id = ? AND type = 'SOA'`, id).Scan(&content)
	if err == sql.ErrNoRows {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	soa := parseSOA(zone, content)
	if soa == nil {
		t.Fatalf("stored SOA %q does not parse", content)
	}
	return soa.Serial
}

// storedRows returns domain id's rows as "name type prio content ttl", sorted.
func storedRows(t *testing.T, db *sql.DB, id int64) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name, type, COALESCE(prio, 0), content, ttl, disabled, auth FROM records WHERE domain_id = ? ORDER BY name, type, content`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, typ, content string
		var prio, ttl int64
		var disabled, auth bool
		if err := rows.Scan(&name, &typ, &prio, &content, &ttl, &disabled, &auth); err != nil {
			t.Fatal(err)
		}
		if disabled || !auth {
			t.Errorf("row %s %s written with disabled=%v auth=%v", name, typ, disabled, auth)
		}
		out = append(out, name+" "+typ+" "+itoa(prio)+" "+content+" "+itoa(ttl))
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// zoneState returns the zone's failing flag and last logged error.
func zoneState(s *Secondary, id int64) (ok bool, failing bool, lastErr string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	z, ok := s.zones[id]
	if !ok {
		return false, false, ""
	}
	return true, z.failing, z.lastErr
}

// serve runs s on a real UDP socket on 127.0.0.1, writing the error answer
// of a plugin that returns one without writing, as CoreDNS's server does;
// next answers NOERROR with an empty answer and the flag RA (a marker).
func serve(t *testing.T, s *Secondary) string {
	t.Helper()
	s.Next = plugin.HandlerFunc(func(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.RecursionAvailable = true
		w.WriteMsg(m)
		return dns.RcodeSuccess, nil
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		rcode, _ := s.ServeDNS(context.Background(), w, r)
		if !plugin.ClientWrite(rcode) {
			m := new(dns.Msg)
			m.SetRcode(r, rcode)
			w.WriteMsg(m)
		}
	})}
	up := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(up) }
	go srv.ActivateAndServe()
	<-up
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// ask sends m to addr over UDP from the loopback address from.
func ask(t *testing.T, addr, from string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: "udp", Timeout: 5 * time.Second, Dialer: &net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(from)}}}
	in, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

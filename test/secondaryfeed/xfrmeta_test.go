package secondaryfeed_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// db is a test's own database with the PowerDNS schema.
type db struct {
	dialect sqlstore.Dialect
	DB      *sql.DB
	driver  string
	dsn     string
}

func (d *db) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := d.DB.ExecContext(context.Background(), d.dialect.Rebind(q), args...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

func createSchema(t *testing.T, d sqlstore.Dialect, dsn string) {
	t.Helper()
	s, err := sqlstore.Open(d, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePowerDNSSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
}

var databases = []struct {
	kind string
	new  func(t *testing.T) *db
}{
	{"mariadb", func(t *testing.T) *db {
		m := harness.NewMariaDB(t)
		createSchema(t, sqlstore.MySQL, m.DSN)
		return &db{sqlstore.MySQL, m.DB, "mysql", m.DSN}
	}},
	{"postgres", func(t *testing.T) *db {
		p := harness.NewPostgres(t)
		createSchema(t, sqlstore.Postgres, p.DSN)
		return &db{sqlstore.Postgres, p.DB, "postgres", p.DSN}
	}},
	{"sqlite", func(t *testing.T) *db {
		db_, path := harness.NewSQLite(t)
		return &db{sqlstore.SQLite, db_, "sqlite", path}
	}},
}

const (
	secret1 = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
	secret2 = "YW5vdGhlcmFub3RoZXJhbm90aGVyYW5vdGhlcg=="
)

// TestXfrMeta: sqlbackend serves the transfer settings of its zones from
// domainmetadata and tsigkeys as PowerDNS stores them (names without the
// trailing dot), and follows changes to either within a poll, through the
// change log's triggers.
func TestXfrMeta(t *testing.T) {
	for _, tc := range databases {
		t.Run(tc.kind, func(t *testing.T) { xfrMeta(t, tc.new(t)) })
	}
}

func xfrMeta(t *testing.T, d *db) {
	d.exec(t, `INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE')`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES
		(1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 1 3600 600 86400 300', 300, FALSE, TRUE),
		(1, 'example.org', 'NS', 'ns1.example.org', 300, FALSE, TRUE)`)
	for _, kv := range [][2]string{
		{"ALLOW-AXFR-FROM", "192.0.2.0/24"}, {"ALLOW-AXFR-FROM", "AUTO-NS"}, {"ALLOW-AXFR-FROM", "bogus"},
		{"ALSO-NOTIFY", "198.51.100.1:5300"}, {"TSIG-ALLOW-AXFR", "xfr-key"}, {"AXFR-MASTER-TSIG", "master-key."},
		{"SOA-EDIT", "INCEPTION-INCREMENT"},
	} {
		d.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, ?, ?)`, kv[0], kv[1])
	}
	d.exec(t, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('xfr-key', 'hmac-sha256', ?), ('unused', 'hmac-sha256', ?)`, secret1, secret1)

	s := harness.StartServer(t, fmt.Sprintf(".:0 {\n\txfrprobe\n\tsqlbackend {\n\t\tdriver %s\n\t\tdsn %s\n\t\tpoll 50ms\n\t}\n}", d.driver, d.dsn))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }, 10*time.Second)
	src := source()
	if src == nil {
		t.Fatal("sqlbackend does not implement xfrmeta.Source")
	}
	want := xfrmeta.Zone{
		Allow:      []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		AutoNS:     true,
		AlsoNotify: []string{"198.51.100.1:5300"},
		Keys:       []string{"xfr-key."},
		MasterKey:  "master-key.",
		Problems:   []string{`ALLOW-AXFR-FROM "bogus": not an address or prefix`},
	}
	if z, ok := src.XfrMeta("Example.ORG"); !ok || !reflect.DeepEqual(z, want) {
		t.Fatalf("XfrMeta = %+v, %v; want %+v", z, ok, want)
	}
	key := xfrmeta.Key{Name: "xfr-key.", Algorithm: dns.HmacSHA256, Secret: secret1}
	if k, ok := src.TSIGKey("XFR-KEY."); !ok || k != key {
		t.Errorf("TSIGKey = %+v, %v", k, ok)
	}
	if _, ok := src.TSIGKey("unused."); ok {
		t.Error("a key no zone names is served")
	}

	// A new secret reaches the zone naming the key (TSIG key triggers).
	d.exec(t, `UPDATE tsigkeys SET secret = ? WHERE name = 'xfr-key'`, secret2)
	harness.Eventually(t, 5*time.Second, "the key's new secret", func() bool {
		k, _ := src.TSIGKey("xfr-key.")
		return k.Secret == secret2
	})
	// A new row of metadata (key triggers on domainmetadata).
	d.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'ALSO-NOTIFY', '2001:db8::53')`)
	harness.Eventually(t, 5*time.Second, "the new ALSO-NOTIFY", func() bool {
		z, _ := src.XfrMeta("example.org.")
		return reflect.DeepEqual(z.AlsoNotify, []string{"198.51.100.1:5300", "[2001:db8::53]:53"})
	})
	// A deleted key is gone; settings removed are gone.
	d.exec(t, `DELETE FROM tsigkeys WHERE name = 'xfr-key'`)
	harness.Eventually(t, 5*time.Second, "the deleted key gone", func() bool { _, ok := src.TSIGKey("xfr-key."); return !ok })
	d.exec(t, `DELETE FROM domainmetadata WHERE domain_id = 1`)
	harness.Eventually(t, 5*time.Second, "the settings gone", func() bool {
		z, ok := src.XfrMeta("example.org.")
		return ok && reflect.DeepEqual(z, xfrmeta.Zone{})
	})
}

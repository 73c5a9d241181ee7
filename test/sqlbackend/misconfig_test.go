package sqlbackend_test

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// A configuration that can never work - wrong password, missing database,
// missing privilege or change log - refuses the start with the fix, instead
// of a server that is never ready and answers SERVFAIL for ever as during an
// outage.

// withDSN returns a copy of d whose Corefile DSN is edit's.
func withDSN(t *testing.T, d *testDB, edit func(*mysql.Config)) *testDB {
	t.Helper()
	cfg, err := mysql.ParseDSN(d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	cp := *d
	cp.dsn = cfg.FormatDSN()
	return &cp
}

func TestMisconfigMariaDB(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		d := mariaAccount(t, bareMariaDB(t), "hostdns", documentedGrants...)
		startRefused(t, withDSN(t, d, func(c *mysql.Config) { c.Passwd = "wrong" }), "Error 1045", "check the user and password in the dsn")
	})
	t.Run("missing database", func(t *testing.T) {
		d := newMariaDB(t)
		startRefused(t, withDSN(t, d, func(c *mysql.Config) { c.DBName = c.DBName + "_nosuch" }), "Error 1049", "check the database name in the dsn")
	})
	t.Run("no grant on the database", func(t *testing.T) {
		d := mariaAccount(t, newMariaDB(t), "hostdns")
		startRefused(t, d, "Error 1044", "check the database name in the dsn")
	})
	t.Run("read-only account, schema ensure", func(t *testing.T) {
		d := mariaAccount(t, newMariaDB(t), "hostdns", "GRANT SELECT ON %[1]s.* TO %[2]s")
		startRefused(t, d, "Error 1142", "GRANT CREATE ON", "schema none")
	})
	t.Run("read-only account, schema none, no change log", func(t *testing.T) {
		d := mariaAccount(t, bareMariaDB(t), "hostdns", "GRANT SELECT ON %[1]s.* TO %[2]s")
		startRefusedWith(t, d, []string{"schema none"}, "Error 1146", "hostdns_changes", "detect checksum")
	})
}

func TestMisconfigPostgres(t *testing.T) {
	t.Run("no such role", func(t *testing.T) {
		d := newPostgres(t)
		startRefused(t, withPostgresURL(t, d, func(u *url.URL) { u.User = url.User("nosuch_role") }), "28000", "check the user and password in the dsn")
	})
	t.Run("missing database", func(t *testing.T) {
		d := newPostgres(t)
		startRefused(t, withPostgresURL(t, d, func(u *url.URL) { u.Path += "_nosuch" }), "3D000", "check the database name")
	})
	t.Run("schema none, no change log", func(t *testing.T) {
		p := harness.NewPostgres(t)
		if _, err := p.DB.Exec(sqlstore.SchemaSQL(sqlstore.Postgres)); err != nil {
			t.Fatal(err)
		}
		d := &testDB{kind: "postgres", dialect: sqlstore.Postgres, DB: p.DB, driver: "postgres", dsn: p.DSN}
		startRefusedWith(t, d, []string{"schema none"}, "0 of the 6 change-log triggers", "changes.postgres.sql", "detect checksum")
	})
}

func withPostgresURL(t *testing.T, d *testDB, edit func(*url.URL)) *testDB {
	t.Helper()
	u, err := url.Parse(d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	edit(u)
	cp := *d
	cp.dsn = u.String()
	return &cp
}

func TestMisconfigSQLite(t *testing.T) {
	d := &testDB{kind: "sqlite", dialect: sqlstore.SQLite, driver: "sqlite", dsn: filepath.Join(t.TempDir(), "nosuch", "zones.db")}
	startRefused(t, d, "unable to open database file", "check the path in the dsn")
}

// TestMisconfigOutageStarts is the control: a database server that does not
// answer is an outage, not a configuration error. The server starts, is not
// ready (SERVFAIL) and serves once the database answers.
func TestMisconfigOutageStarts(t *testing.T) {
	d := newMariaDB(t)
	loadSmallZones(t, d, 1)
	p := newProxy(t, d.addr, false)
	s := harness.StartServer(t, ".:0 {\n\t"+behindProxy(t, d, p).corefileBlock()+"\n}")
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("www.z1.test.", dns.TypeA), "udp"), harness.Response{Rcode: dns.RcodeServerFailure})
	p.Restore()
	harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.80"), 10*time.Second), wwwZ1("192.0.2.80"))
}

// TestMisconfigWithSnapshot: a configuration error when a snapshot holds zones
// starts the server on the snapshot (answers as they were beat none), and
// logs the error with its fix.
func TestMisconfigWithSnapshot(t *testing.T) {
	logs := captureLog(t)
	d := mariaAccount(t, bareMariaDB(t), "hostdns", documentedGrants...)
	path := filepath.Join(t.TempDir(), "snapshot.db")
	block := d.corefileBlock("max_records 100", "snapshot "+path)
	inst, err := harness.StartServerErr(".:0 {\n\t" + block + "\n}")
	if err != nil {
		t.Fatal(err)
	}
	waitSnapshotZones(t, path, 2, 10*time.Second)
	inst.Stop()
	inst.ShutdownCallbacks()

	bad := withDSN(t, d, func(c *mysql.Config) { c.Passwd = "wrong" })
	s := harness.StartServer(t, ".:0 {\n\t"+bad.corefileBlock("max_records 100", "snapshot "+path)+"\n}")
	harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.80"), 5*time.Second), wwwZ1("192.0.2.80"))
	harness.Eventually(t, 5*time.Second, "the configuration error logged with its fix", func() bool {
		return strings.Contains(logs(), "Database configuration error") && strings.Contains(logs(), "check the user and password")
	})
}

// TestMisconfigWhileRunning: a privilege lost while serving is logged as a
// configuration error with its fix, not as an outage; the zones in memory keep
// answering, and the feed resumes once the grant is back.
func TestMisconfigWhileRunning(t *testing.T) {
	logs := captureLog(t)
	root := bareMariaDB(t)
	h := mariaAccount(t, root, "hostdns", documentedGrants...)
	s := harness.StartServer(t, ".:0 {\n\t"+h.corefileBlock()+"\n}")
	harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.80"), 10*time.Second)

	user, _ := mysql.ParseDSN(h.dsn)
	acct := fmt.Sprintf("'%s'@'%%'", user.User)
	root.exec(t, fmt.Sprintf("REVOKE SELECT ON `%s`.hostdns_changes FROM %s", dbName(t, root), acct))
	harness.Eventually(t, 5*time.Second, "the lost grant logged as a configuration error with its fix", func() bool {
		return strings.Contains(logs(), "Database configuration error, serving the zones in memory") && strings.Contains(logs(), "GRANT SELECT ON")
	})
	if strings.Contains(logs(), "Database unreachable") {
		t.Error("a refused query was logged as an outage")
	}
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("www.z1.test.", dns.TypeA), "udp"), wwwZ1("192.0.2.80"))

	root.exec(t, fmt.Sprintf("GRANT SELECT ON `%s`.hostdns_changes TO %s", dbName(t, root), acct))
	root.exec(t, `UPDATE records SET content = '192.0.2.81' WHERE name = 'www.z1.test' AND type = 'A'`)
	harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.81"), 10*time.Second), wwwZ1("192.0.2.81"))
}

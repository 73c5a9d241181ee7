package sqlbackend_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// The change-log triggers run as their definer (MySQL, MariaDB) or as the
// owner of their function (PostgreSQL), not as the writer. These tests create
// real accounts with the grants docs/powerdns-migration.md gives, and with
// grants missing, and check that sqlbackend refuses to start rather than
// leave triggers that make PowerDNS's writes fail, and that the writers keep
// working.

// bareMariaDB is a MariaDB database with PowerDNS's tables and no change log,
// as a PowerDNS installation has it, holding zones z1.test and z2.test.
func bareMariaDB(t *testing.T) *testDB {
	m := harness.NewMariaDB(t)
	if _, err := m.DB.Exec(sqlstore.SchemaSQL(sqlstore.MySQL)); err != nil {
		t.Fatal(err)
	}
	d := &testDB{kind: "mariadb", dialect: sqlstore.MySQL, DB: m.DB, driver: "mysql", dsn: m.DSN, addr: "127.0.0.1:3306"}
	loadSmallZones(t, d, 2)
	return d
}

// mariaAccount creates the account 'name'@'%' for the test, runs grants
// (each a format with %[1]s for the database and %[2]s for the account) and
// returns a copy of d that connects as it. The account is dropped when the
// test ends.
func mariaAccount(t *testing.T, d *testDB, name string, grants ...string) *testDB {
	t.Helper()
	cfg, err := mysql.ParseDSN(d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("%s_%d", name, time.Now().UnixNano()%1e9)
	acct := fmt.Sprintf("'%s'@'%%'", user)
	d.exec(t, "CREATE USER "+acct+" IDENTIFIED BY 'pw-"+user+"'")
	t.Cleanup(func() { d.DB.Exec("DROP USER IF EXISTS " + acct) })
	for _, g := range grants {
		d.exec(t, fmt.Sprintf(g, "`"+cfg.DBName+"`", acct))
	}
	cfg.User, cfg.Passwd = user, "pw-"+user
	cp := *d
	cp.dsn = cfg.FormatDSN()
	return &cp
}

// The grants docs/powerdns-migration.md gives a hostdns account that creates
// the change log itself on MariaDB and MySQL.
var documentedGrants = []string{
	"GRANT SELECT, TRIGGER ON %[1]s.domains TO %[2]s",
	"GRANT SELECT, TRIGGER ON %[1]s.records TO %[2]s",
	"GRANT CREATE, SELECT, INSERT, DELETE ON %[1]s.hostdns_changes TO %[2]s",
	"GRANT SELECT, TRIGGER ON %[1]s.cryptokeys TO %[2]s",
	"GRANT SELECT, TRIGGER ON %[1]s.domainmetadata TO %[2]s",
}

// writerGrants are PowerDNS's, or a control panel's.
var writerGrants = []string{
	"GRANT SELECT, INSERT, UPDATE, DELETE ON %[1]s.domains TO %[2]s",
	"GRANT SELECT, INSERT, UPDATE, DELETE ON %[1]s.records TO %[2]s",
}

// startRefused starts a server with d's sqlbackend block and wants the start
// refused with an error holding every one of want.
func startRefused(t *testing.T, d *testDB, want ...string) {
	startRefusedWith(t, d, nil, want...)
}

// startRefusedWith is startRefused with extra lines in the sqlbackend block.
func startRefusedWith(t *testing.T, d *testDB, extra []string, want ...string) {
	t.Helper()
	inst, err := harness.StartServerErr(".:0 {\n\t" + d.corefileBlock(extra...) + "\n}")
	if err == nil {
		inst.Stop()
		inst.ShutdownCallbacks()
		t.Fatalf("the server started; want it refused with %q", want)
	}
	t.Logf("start refused: %v", err)
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("start refused with %q; want it to say %q", err, w)
		}
	}
}

// writerUpdate changes www.z1.test's address as a writer would, returning
// the database's error.
func writerUpdate(w *testDB, ip string) error {
	_, err := w.DB.Exec(w.dialect.Rebind(`UPDATE records SET content = ? WHERE name = 'www.z1.test' AND type = 'A'`), ip)
	return err
}

// openAs gives d's account a connection pool of its own, closed at the end.
func openAs(t *testing.T, d *testDB) *testDB {
	t.Helper()
	st, err := sqlstore.Open(d.dialect, d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cp := *d
	cp.DB = st.DB
	return &cp
}

func hostdnsTriggers(t *testing.T, d *testDB) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'hostdns%'`
	if d.dialect == sqlstore.Postgres {
		q = `SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'hostdns%'`
	}
	var n int
	if err := d.DB.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wwwZ1(ip string) harness.Response {
	return harness.Response{
		Authoritative: true,
		Answer:        []string{"www.z1.test. 3600 IN A " + ip},
		Ns:            []string{"z1.test. 3600 IN NS ns1.example.net."},
	}
}

// TestGrantsDocumentedMariaDB: with the documented grants, sqlbackend creates
// the change log, its triggers are defined by the hostdns account, and a
// writer's change is seen.
func TestGrantsDocumentedMariaDB(t *testing.T) {
	root := bareMariaDB(t)
	h := mariaAccount(t, root, "hostdns", documentedGrants...)
	w := openAs(t, mariaAccount(t, root, "pdns", writerGrants...))
	s := harness.StartServer(t, ".:0 {\n\t"+h.corefileBlock()+"\n}")
	harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.80"), 10*time.Second)
	// The change log's six and the six key triggers (cryptokeys, domainmetadata).
	if n := hostdnsTriggers(t, root); n != 12 {
		t.Fatalf("%d hostdns triggers, want 12", n)
	}
	if err := writerUpdate(w, "192.0.2.81"); err != nil {
		t.Fatalf("the writer's UPDATE failed: %v", err)
	}
	harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.81"), 5*time.Second), wwwZ1("192.0.2.81"))
}

// TestGrantsNoInsertMariaDB: the grants the documentation used to give
// (SELECT, CREATE, TRIGGER) let the triggers be created but not write the log:
// every UPDATE of a writer would fail with error 1142. The start is refused
// with the GRANT to run, no trigger is left behind, and the writer works.
func TestGrantsNoInsertMariaDB(t *testing.T) {
	root := bareMariaDB(t)
	h := mariaAccount(t, root, "hostdns", "GRANT SELECT, CREATE, TRIGGER ON %[1]s.* TO %[2]s")
	w := openAs(t, mariaAccount(t, root, "pdns", writerGrants...))
	user, _ := mysql.ParseDSN(h.dsn)
	startRefused(t, h, "GRANT INSERT ON", "hostdns_changes", user.User)
	if n := hostdnsTriggers(t, root); n != 0 {
		t.Errorf("%d hostdns triggers left behind, want 0", n)
	}
	if err := writerUpdate(w, "192.0.2.81"); err != nil {
		t.Errorf("the writer's UPDATE failed: %v", err)
	}
}

// TestGrantsRevokedMariaDB: the hostdns account made the triggers and later
// lost INSERT on the log, so writes fail; the next start says so and names
// the GRANT, though the account cannot fire the triggers itself (it has no
// UPDATE on records).
func TestGrantsRevokedMariaDB(t *testing.T) {
	root := bareMariaDB(t)
	h := mariaAccount(t, root, "hostdns", documentedGrants...)
	w := openAs(t, mariaAccount(t, root, "pdns", writerGrants...))
	ensureAs(t, h)
	user, _ := mysql.ParseDSN(h.dsn)
	root.exec(t, fmt.Sprintf("REVOKE INSERT ON `%s`.hostdns_changes FROM '%s'@'%%'", dbName(t, root), user.User))
	if err := writerUpdate(w, "192.0.2.81"); mysqlErrno(err) != 1142 {
		t.Fatalf("the writer's UPDATE returned %v, want error 1142: the hazard this test is about", err)
	}
	startRefused(t, h, "GRANT INSERT ON", "hostdns_changes", "would fail")
}

// TestGrantsDefinerDroppedMariaDB: dropping the hostdns account while its
// triggers remain makes every write fail (error 1449). sqlbackend cannot help
// with its own account gone (its start is refused: access denied); started
// with an account that may update records, it fires the triggers in a rolled
// back transaction, finds them broken and refuses to start, naming the fix.
// The removal order the documentation gives (triggers, table, user) leaves
// the writers working.
func TestGrantsDefinerDroppedMariaDB(t *testing.T) {
	root := bareMariaDB(t)
	h := mariaAccount(t, root, "hostdns", documentedGrants...)
	w := openAs(t, mariaAccount(t, root, "pdns", writerGrants...))
	ensureAs(t, h)
	user, _ := mysql.ParseDSN(h.dsn)
	root.exec(t, fmt.Sprintf("DROP USER '%s'@'%%'", user.User))
	if err := writerUpdate(w, "192.0.2.81"); mysqlErrno(err) != 1449 {
		t.Fatalf("the writer's UPDATE returned %v, want error 1449: the hazard this test is about", err)
	}
	startRefused(t, h, "Access denied", "check the user and password")

	full := mariaAccount(t, root, "pdnsall", "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, TRIGGER ON %[1]s.* TO %[2]s")
	startRefused(t, full, "definer", "does not exist", "drop the hostdns_* triggers")
	if n := hostdnsTriggers(t, root); n != 6 {
		t.Errorf("%d hostdns triggers, want the 6 broken ones untouched", n)
	}

	// The documented removal: triggers first, then the table.
	for _, tr := range []string{"records_ai", "records_au", "records_ad", "domains_ai", "domains_au", "domains_ad"} {
		root.exec(t, "DROP TRIGGER hostdns_"+tr)
	}
	root.exec(t, "DROP TABLE hostdns_changes")
	if err := writerUpdate(w, "192.0.2.82"); err != nil {
		t.Errorf("the writer's UPDATE failed after the triggers were dropped: %v", err)
	}
}

// TestGrantsRemovalOrderMariaDB: dropping the triggers, then the table, then
// the account, as the documentation says, never breaks a writer.
func TestGrantsRemovalOrderMariaDB(t *testing.T) {
	root := bareMariaDB(t)
	h := mariaAccount(t, root, "hostdns", documentedGrants...)
	w := openAs(t, mariaAccount(t, root, "pdns", writerGrants...))
	ensureAs(t, h)
	user, _ := mysql.ParseDSN(h.dsn)
	steps := []string{"DROP TRIGGER IF EXISTS hostdns_records_ai", "DROP TRIGGER IF EXISTS hostdns_records_au", "DROP TRIGGER IF EXISTS hostdns_records_ad",
		"DROP TRIGGER IF EXISTS hostdns_domains_ai", "DROP TRIGGER IF EXISTS hostdns_domains_au", "DROP TRIGGER IF EXISTS hostdns_domains_ad",
		"DROP TRIGGER IF EXISTS hostdns_cryptokeys_ai", "DROP TRIGGER IF EXISTS hostdns_cryptokeys_au", "DROP TRIGGER IF EXISTS hostdns_cryptokeys_ad",
		"DROP TRIGGER IF EXISTS hostdns_domainmetadata_ai", "DROP TRIGGER IF EXISTS hostdns_domainmetadata_au", "DROP TRIGGER IF EXISTS hostdns_domainmetadata_ad",
		"DROP TABLE IF EXISTS hostdns_changes", fmt.Sprintf("DROP USER '%s'@'%%'", user.User)}
	for i, step := range steps {
		root.exec(t, step)
		if err := writerUpdate(w, fmt.Sprintf("192.0.2.%d", 100+i)); err != nil {
			t.Fatalf("after %q the writer's UPDATE failed: %v", step, err)
		}
	}
}

// TestGrantsFunctionOwnerPostgres: on PostgreSQL the trigger functions run as
// their owner (SECURITY DEFINER). A change log the hostdns role may not
// insert into makes every write fail. Installing over a table another role
// owns is refused in one transaction that leaves nothing behind; triggers
// whose owner lost INSERT are reported with the GRANT at the next start; once
// granted, sqlbackend starts and the writer's changes show.
func TestGrantsFunctionOwnerPostgres(t *testing.T) {
	p := harness.NewPostgres(t)
	if _, err := p.DB.Exec(sqlstore.SchemaSQL(sqlstore.Postgres)); err != nil {
		t.Fatal(err)
	}
	root := &testDB{kind: "postgres", dialect: sqlstore.Postgres, DB: p.DB, driver: "postgres", dsn: p.DSN}
	loadSmallZones(t, root, 2)

	role := fmt.Sprintf("hostdns_%d", time.Now().UnixNano()%1e9)
	root.exec(t, `CREATE ROLE "`+role+`" LOGIN`)
	t.Cleanup(func() {
		p.DB.Exec(`DROP OWNED BY "` + role + `"`)
		p.DB.Exec(`DROP ROLE IF EXISTS "` + role + `"`)
	})
	// The documented grants.
	for _, g := range []string{`GRANT CREATE, USAGE ON SCHEMA public TO "%s"`, `GRANT SELECT, TRIGGER ON domains, records TO "%s"`} {
		root.exec(t, fmt.Sprintf(g, role))
	}
	u, err := url.Parse(p.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	h := *root
	h.dsn = u.String()

	// A table made by the DBA, not by the role that would own the functions.
	root.exec(t, sqlstore.SplitStatements(sqlstore.ChangesSQL(sqlstore.Postgres))[0])
	startRefused(t, &h, "must be owner of table hostdns_changes")
	if n := hostdnsTriggers(t, root); n != 0 {
		t.Errorf("%d hostdns triggers left behind, want 0", n)
	}
	if err := writerUpdate(root, "192.0.2.81"); err != nil {
		t.Errorf("the writer's UPDATE failed: %v", err)
	}
	root.exec(t, `DROP TABLE hostdns_changes`)

	// Installed by the role, which then loses INSERT on its own table.
	ensureAs(t, &h)
	root.exec(t, fmt.Sprintf(`REVOKE INSERT ON hostdns_changes FROM "%s"`, role))
	if err := writerUpdate(root, "192.0.2.82"); err == nil || !strings.Contains(err.Error(), "42501") {
		t.Fatalf("the writer's UPDATE returned %v, want SQLSTATE 42501: the hazard this test is about", err)
	}
	startRefused(t, &h, `GRANT INSERT ON hostdns_changes TO "`+role+`"`, "would fail")

	root.exec(t, fmt.Sprintf(`GRANT INSERT ON hostdns_changes TO "%s"`, role))
	s := harness.StartServer(t, ".:0 {\n\t"+h.corefileBlock()+"\n}")
	harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.81"), 10*time.Second)
	if err := writerUpdate(root, "192.0.2.83"); err != nil {
		t.Fatalf("the writer's UPDATE failed: %v", err)
	}
	harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.83"), 5*time.Second), wwwZ1("192.0.2.83"))
}

// ensureAs creates the change log as d's account, as sqlbackend does at
// start-up.
func ensureAs(t *testing.T, d *testDB) {
	t.Helper()
	st, err := sqlstore.Open(d.dialect, d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.EnsureSchema(t.Context()); err != nil {
		t.Fatalf("creating the change log as %s: %v", d.dsn, err)
	}
}

func dbName(t *testing.T, d *testDB) string {
	cfg, err := mysql.ParseDSN(d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.DBName
}

func mysqlErrno(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// TestGrantsReadOnlySchemaNone: the DBA made the change log; hostdns reads
// with SELECT on domains, records and hostdns_changes and schema none. It
// starts and sees a writer's change. On MariaDB such an account can neither
// see nor fire the triggers, which the log says; on PostgreSQL the owners'
// privileges are checked.
func TestGrantsReadOnlySchemaNone(t *testing.T) {
	for _, srv := range []struct {
		kind string
		new  func(*testing.T) *testDB
	}{{"mariadb", bareMariaDB}, {"postgres", barePostgres}} {
		t.Run(srv.kind, func(t *testing.T) {
			logs := captureLog(t)
			root := srv.new(t)
			ensureAs(t, root)
			r := readOnlyAccount(t, root)
			if r.dialect == sqlstore.MySQL {
				user, _ := mysql.ParseDSN(r.dsn)
				root.exec(t, fmt.Sprintf("GRANT SELECT ON `%s`.hostdns_changes TO '%s'@'%%'", dbName(t, root), user.User))
			} else {
				u, _ := url.Parse(r.dsn)
				root.exec(t, fmt.Sprintf(`GRANT SELECT ON hostdns_changes TO "%s"`, u.User.Username()))
			}
			s := harness.StartServer(t, ".:0 {\n\t"+r.corefileBlock("schema none")+"\n}")
			harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.80"), 10*time.Second)
			if err := writerUpdate(root, "192.0.2.81"); err != nil {
				t.Fatal(err)
			}
			harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "www.z1.test.", dns.TypeA, hasA("192.0.2.81"), 5*time.Second), wwwZ1("192.0.2.81"))
			warned := strings.Contains(logs(), "not checked")
			if want := root.dialect == sqlstore.MySQL; warned != want {
				t.Errorf("warning that the triggers were not checked: %v, want %v", warned, want)
			}
		})
	}
}

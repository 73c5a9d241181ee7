package harness

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// PowerDNSRow returns the columns of PowerDNS's records table that its tools would store for
// rr: names without the trailing dot, MX and SRV priority in prio, SOA in full. Tests use it to
// load zone-file text into SQL, so that sqlbackend sees data shaped like a real PowerDNS
// database's.
func PowerDNSRow(rr dns.RR) (name, typ, content string, prio int) {
	name = NoDot(rr.Header().Name)
	typ = dns.TypeToString[rr.Header().Rrtype]
	content = strings.TrimPrefix(rr.String(), rr.Header().String())
	switch x := rr.(type) {
	case *dns.MX:
		return name, typ, NoDot(x.Mx), int(x.Preference)
	case *dns.SRV:
		return name, typ, fmt.Sprintf("%d %d %s", x.Weight, x.Port, NoDot(x.Target)), int(x.Priority)
	case *dns.CNAME:
		content = NoDot(x.Target)
	case *dns.NS:
		content = NoDot(x.Ns)
	case *dns.PTR:
		content = NoDot(x.Ptr)
	case *dns.SOA:
		content = fmt.Sprintf("%s %s %d %d %d %d %d", NoDot(x.Ns), NoDot(x.Mbox), x.Serial, x.Refresh, x.Retry, x.Expire, x.Minttl)
	}
	if a, ok := rrtypes.AsALIAS(rr); ok {
		content = NoDot(a.Target)
	}
	if p, ok := rrtypes.AsPOOL(rr); ok {
		content = fmt.Sprintf("%s %d", NoDot(p.Target), p.Weight)
	}
	return name, typ, content, 0
}

// NoDot writes a name as PowerDNS stores it: without the trailing dot, except the root.
func NoDot(name string) string {
	if name == "." {
		return name
	}
	return strings.TrimSuffix(name, ".")
}

// NewPowerDNSDatabase is NewMariaDB holding a PowerDNS gmysql database: the generic schema
// sqlbackend ships (plugin/pkg/sqlstore/schema/mysql.sql), then the rows of seedFile, as the
// Corefile examples tell users to load them.
func NewPowerDNSDatabase(t testing.TB, seedFile string) *MariaDB {
	t.Helper()
	m := NewMariaDB(t)
	loadPowerDNS(t, m.DB, sqlstore.MySQL, seedFile)
	return m
}

// NewPowerDNSPostgres is NewPostgres holding a PowerDNS gpgsql database: the generic schema
// sqlbackend ships (plugin/pkg/sqlstore/schema/postgres.sql), then the rows of seedFile.
func NewPowerDNSPostgres(t testing.TB, seedFile string) *Postgres {
	t.Helper()
	p := NewPostgres(t)
	loadPowerDNS(t, p.DB, sqlstore.Postgres, seedFile)
	return p
}

// loadPowerDNS runs d's PowerDNS schema and then seedFile in db, each as one multi-statement
// script (the MariaDB DSN allows them; pgx runs an argument-less statement as a simple query).
// The change log is left out: sqlbackend must add it to a bare PowerDNS database itself.
func loadPowerDNS(t testing.TB, db *sql.DB, d sqlstore.Dialect, seedFile string) {
	t.Helper()
	seed, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(sqlstore.SchemaSQL(d)); err != nil {
		t.Fatalf("loading the PowerDNS schema: %v", err)
	}
	if _, err := db.Exec(string(seed)); err != nil {
		t.Fatalf("loading %s: %v", seedFile, err)
	}
}

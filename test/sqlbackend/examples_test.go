package sqlbackend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// exampleCorefile reads corefile-examples/NAME/Corefile with port 0 and the
// repository-relative paths made absolute, the file under dir instead of the
// example folder for anything the server writes.
func exampleCorefile(t *testing.T, name string, rewrite map[string]string) string {
	root := harness.ModuleRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "corefile-examples", name, "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), ":1053", ":0")
	for from, to := range rewrite {
		s = strings.ReplaceAll(s, from, to)
	}
	return s
}

func TestExampleSQLite(t *testing.T) {
	root := harness.ModuleRoot(t)
	db := filepath.Join(t.TempDir(), "zones.db")
	s := harness.StartServer(t, exampleCorefile(t, "sqlite", map[string]string{
		"corefile-examples/sqlite/zones.db":  db,
		"corefile-examples/sqlite/zones.sql": filepath.Join(root, "corefile-examples/sqlite/zones.sql"),
	}))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 5*time.Second)
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("example.net.", dns.TypeSOA), "udp"), harness.Response{
		Authoritative: true,
		Answer:        []string{"example.net. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300"},
		Ns:            []string{"example.net. 3600 IN NS ns1.example.org."},
	})
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("bob.users.example.org.", dns.TypeA), "udp"), harness.Response{
		Authoritative: true,
		Answer:        []string{"bob.users.example.org. 3600 IN A 192.0.2.81"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.org."},
	})
}

func TestExampleMariaDBRedis(t *testing.T) {
	m := harness.NewPowerDNSDatabase(t, filepath.Join(harness.ModuleRoot(t), "corefile-examples/mariadb-redis/seed.sql"))
	r := harness.NewRedis(t)
	t.Setenv("HOSTDNS_MYSQL_DSN", m.DSN)
	t.Setenv("HOSTDNS_REDIS_ADDR", r.Addr)
	s := harness.StartServer(t, exampleCorefile(t, "mariadb-redis", nil))
	harness.WaitFor(t, s.UDP, "example.com.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 5*time.Second)
	harness.WaitFor(t, s.UDP, "example.net.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), time.Second)
	// The disabled row is not served; the wildcard CNAME is chased in-zone.
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("old.example.com.", dns.TypeA), "udp"), harness.Response{
		Rcode: dns.RcodeNameError, Authoritative: true,
		// A negative answer's SOA TTL is min(TTL, MINIMUM): RFC 2308 3.
		Ns: []string{"example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026112101 7200 3600 1209600 300"},
	})
	harness.AssertResponse(t, harness.Exchange(t, s.UDP, harness.Query("a.customers.example.com.", dns.TypeA), "udp"), harness.Response{
		Authoritative: true,
		Answer:        []string{"a.customers.example.com. 3600 IN CNAME www.example.com.", "www.example.com. 3600 IN A 192.0.2.80"},
		Ns:            []string{"example.com. 3600 IN NS ns1.example.com.", "example.com. 3600 IN NS ns2.example.com."},
	})

	// The seed is a bare PowerDNS database: the change log was added at
	// start-up, so a plain SQL change shows.
	if _, err := m.DB.Exec(`UPDATE records SET content = '192.0.2.88' WHERE name = 'www.example.com' AND type = 'A'`); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, s.UDP, "www.example.com.", dns.TypeA, hasA("192.0.2.88"), freshnessLimit)
}

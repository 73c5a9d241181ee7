// Package urlredirect tests the urlredirect plugin in-process: DNS answers over sqlbackend
// and file (signed by dnssec), the redirector with a real net/http client over HTTP/1.1 and
// HTTP/2, limits against slow clients, reloads.
package urlredirect

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

const apexNS = "example.org. 3600 IN NS ns1.example.org."

// zoneText is the test zone: URL records exact and wildcard, names with other data.
const zoneText = `$ORIGIN example.org.
@        3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300
@        3600 IN NS  ns1.example.org.
ns1      3600 IN A   192.0.2.53
go        120 IN URL "https://www.example.com/" 302
go        120 IN TXT "go"
fixed     300 IN URL "https://www.example.com/landing" 307 nopath
*.wild     60 IN URL "https://wild.example.com/"
www      3600 IN A   192.0.2.80
`

// sqlite makes an SQLite file holding zoneText for example.org and returns its path and a
// connection to it, as an operator's SQL client would write to it.
func sqlite(t *testing.T) (string, *sqlstore.Store) {
	return sqliteZone(t, "example.org", zoneText)
}

// sqliteZone is sqlite for any one zone.
func sqliteZone(t *testing.T, zone, text string) (string, *sqlstore.Store) {
	t.Helper()
	var sql string
	sql += fmt.Sprintf("INSERT INTO domains (id, name, type) VALUES (1, '%s', 'NATIVE');\n", zone)
	zp := dns.NewZoneParser(strings.NewReader(text), zone+".", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name, typ, content, prio := harness.PowerDNSRow(rr)
		sql += fmt.Sprintf("INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, '%s', '%s', '%s', %d, %d, 0, 1);\n",
			name, typ, strings.ReplaceAll(content, "'", "''"), rr.Header().Ttl, prio)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seed := harness.WriteFile(t, dir, "seed.sql", sql)
	path := filepath.Join(dir, "zones.db")
	if err := sqlstore.SeedSQLite(context.Background(), path, seed); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return path, s
}

// startServing starts the Corefile and waits until the zone of its first block answers
// its SOA.
func startServing(t *testing.T, corefile string) *harness.Server {
	t.Helper()
	s := harness.StartServer(t, corefile)
	harness.WaitFor(t, s.UDP, zoneOf(corefile), dns.TypeSOA, func(m *dns.Msg) bool {
		return m.Rcode == dns.RcodeSuccess && m.Authoritative
	}, 30*time.Second)
	return s
}

// client is an HTTP client that shows redirects instead of following them.
func client(tlsConf *tls.Config) *http.Client {
	return &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{TLSClientConfig: tlsConf, ForceAttemptHTTP2: true, DisableKeepAlives: true},
	}
}

type reply struct {
	status   int
	location string
	body     string
	proto    string
}

// fetch sends method to addr (host:port) with Host host and path.
func fetch(t *testing.T, c *http.Client, method, scheme, addr, host, path string) reply {
	t.Helper()
	req, err := http.NewRequest(method, scheme+"://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %s): %v", method, path, host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Proto}
}

func ask(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	return harness.Exchange(t, addr, harness.Query(name, qtype), "udp")
}

// freeAddr returns 127.0.0.1:PORT with a port free right now.
func freeAddr(t *testing.T) string {
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(harness.FreePort(t)))
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// zoneOf is the zone of the Corefile's first server block key ("example.org:0 {").
func zoneOf(corefile string) string {
	for _, line := range strings.Split(corefile, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			key, _, _ := strings.Cut(line, ":")
			return dns.Fqdn(key)
		}
	}
	return "."
}

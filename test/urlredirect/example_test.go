package urlredirect

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// corefile-examples/url-sqlite starts (ports and the SQLite file moved into the test) and
// answers as its comments say.
func TestExample(t *testing.T) {
	root := repoRoot(t)
	t.Chdir(root)
	b, err := os.ReadFile(filepath.Join(root, "corefile-examples/url-sqlite/Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := freeAddr(t)
	cf := strings.ReplaceAll(string(b), ":1053", ":0")
	cf = strings.ReplaceAll(cf, "127.0.0.1:8080", httpAddr)
	cf = strings.ReplaceAll(cf, "corefile-examples/url-sqlite/zones.db", filepath.Join(t.TempDir(), "zones.db"))
	s := startServing(t, cf)
	harness.AssertResponse(t, ask(t, s.UDP, "go.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"go.example.org. 300 IN A 127.0.0.1"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	})
	c := client(nil)
	for host, want := range map[string]reply{
		"go.example.org":      {302, "https://www.example.com/a?b", "Redirecting to https://www.example.com/a?b\n", "HTTP/1.1"},
		"landing.example.org": {301, "https://www.example.com/welcome", "Redirecting to https://www.example.com/welcome\n", "HTTP/1.1"},
		"x.old.example.org":   {301, "https://new.example.com/a?b", "Redirecting to https://new.example.com/a?b\n", "HTTP/1.1"},
		"ns1.example.org":     {404, "", notFound, "HTTP/1.1"},
	} {
		if got := fetch(t, c, "GET", "http", httpAddr, host, "/a?b"); got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", host, got, want)
		}
	}
}

// corefile-examples/url-redirector-mariadb starts over MariaDB with its ports moved and
// pebble as its CA, and redirects as its comments say: http to https first, then the
// record's redirect under a certificate issued on demand; 404 for a name without a record.
func TestExampleRedirectorMariaDB(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "corefile-examples/url-redirector-mariadb/Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	httpPort, httpsPort := harness.FreePort(t), harness.FreePort(t)
	p := harness.StartPebble(t, harness.PebbleOptions{HTTPPort: httpPort, TLSALPNPort: httpsPort})
	dir := t.TempDir()
	roots := harness.WriteFile(t, dir, "pebble-api.pem", string(p.APIRootPEM))
	m := harness.NewPowerDNSDatabase(t, filepath.Join(root, "corefile-examples/url-redirector-mariadb/seed.sql"))
	t.Setenv("HOSTDNS_MYSQL_DSN", m.DSN)
	t.Setenv("HOSTDNS_ACME_CA", p.Directory)
	cf := strings.NewReplacer(
		":1053", ":0",
		"http :80\n", fmt.Sprintf("http 127.0.0.1:%d\n", httpPort),
		"https :443\n", fmt.Sprintf("https 127.0.0.1:%d\n", httpsPort),
		"dir:/var/lib/coredns/acme", "dir:"+dir+"/acme\n            ca_roots "+roots,
	).Replace(string(b))
	startServing(t, cf)

	c := loopbackClient(p.IssuingRoots)
	var body string
	got, urls, cert, err := follow(t, c, fmt.Sprintf("http://go.example.org:%d/a?b", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	wantURLs := []string{fmt.Sprintf("http://go.example.org:%d/a?b", httpPort), fmt.Sprintf("https://go.example.org:%d/a?b", httpsPort)}
	if want := (hop{302, "https://www.example.com/a?b"}); got != want || !reflect.DeepEqual(urls, wantURLs) {
		t.Errorf("go.example.org: %+v via %v, want %+v via %v", got, urls, want, wantURLs)
	}
	if cert == nil || !reflect.DeepEqual(cert.DNSNames, []string{"go.example.org"}) {
		t.Errorf("certificate: %v", cert)
	}
	got, _, _, err = follow(t, c, fmt.Sprintf("http://www.example.org:%d/", httpPort), &body)
	if err != nil || got.status != 404 || body != notFound {
		t.Errorf("www.example.org: %+v %q %v, want 404", got, body, err)
	}
	if got := p.Orders(); !reflect.DeepEqual(got, []string{"go.example.org"}) {
		t.Errorf("orders: %v", got)
	}
}

package urlredirect

import (
	"os"
	"path/filepath"
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

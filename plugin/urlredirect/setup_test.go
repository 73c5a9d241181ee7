package urlredirect

import (
	"strings"
	"testing"

	"github.com/coredns/caddy"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "go.example.org", "*.example.net")
	good := []string{
		"urlredirect",
		"urlredirect example.org {\n address 192.0.2.10 2001:db8::10\n}",
		"urlredirect {\n http 127.0.0.1:8080 :8081\n max_connections 5\n read_timeout 1s\n write_timeout 2s\n idle_timeout 3s\n memo 0s\n access_log\n}",
		"urlredirect {\n https 127.0.0.1:8443\n tls " + cert + " " + key + "\n}",
	}
	for _, in := range good {
		c := caddy.NewTestController("dns", in)
		c.ServerBlockKeys = []string{"example.org:53"}
		if _, err := parse(c); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	bad := map[string]string{
		"urlredirect {\n address 192.0.2.300\n}":                       "Testfile:2",
		"urlredirect {\n http 8080\n}":                                 "not HOST:PORT",
		"urlredirect {\n http example.com:80\n}":                       "must be an IP",
		"urlredirect {\n http :0\n}":                                   "port",
		"urlredirect {\n https :8443\n}":                               "need certificates",
		"urlredirect {\n tls " + cert + " " + key + "\n}":              "need an https listener",
		"urlredirect {\n https :1\n\n tls /nonexistent " + key + "\n}": "Testfile:4",
		"urlredirect {\n https :1\n cert_source nope\n}":               "no certificate source \"nope\"",
		"urlredirect {\n max_connections 0\n}":                         "max_connections",
		"urlredirect {\n read_timeout 1ns\n}":                          "read_timeout",
		"urlredirect {\n bogus\n}":                                     "unknown property",
		"urlredirect\nurlredirect":                                     "only be used once",
	}
	for in, want := range bad {
		c := caddy.NewTestController("dns", in)
		c.ServerBlockKeys = []string{"example.org:53"}
		_, err := parse(c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// FuzzParse feeds arbitrary Corefile text to the parser: a value or an error, never a panic,
// and https is never accepted without certificates.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"urlredirect", "urlredirect {\n address 192.0.2.1 ::1\n http :80\n}",
		"urlredirect {\n https :443\n}", "urlredirect {\n cert_source x a b {\n k v\n k w\n }\n}",
		"urlredirect {\n memo 1h\n max_connections 1048576\n}", "urlredirect {", "urlredirect a. b. {\n}\n}",
		"urlredirect {\n http :80\n https :443\n cert_source acme {\n ca https://ca.example/dir\n rate_limit 5\n }\n}",
		"urlredirect {\n https :443\n cert_source acme {\n ca https://ca.example/dir\n storage redis:127.0.0.1:6379/2\n }\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c := caddy.NewTestController("dns", in)
		c.ServerBlockKeys = []string{"example.org:53"}
		r, err := parse(c)
		if err == nil && r.srv != nil && len(r.srv.cfg.httpsAddrs) > 0 && r.srv.cfg.certs.files == nil && r.srv.cfg.certs.source == nil {
			t.Errorf("%q: https without certificates accepted", in)
		}
		if err == nil && r.srv != nil && r.srv.cfg.source != nil {
			r.srv.cfg.source.Stop()
		}
	})
}

func TestParseHTTPSUpgrade(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "go.example.org")
	c := caddy.NewTestController("dns", "urlredirect {\n http :8080\n https 127.0.0.1:8443 :9443\n tls "+cert+" "+key+"\n https_upgrade\n}")
	c.ServerBlockKeys = []string{"example.org:53"}
	r, err := parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if !r.upgrade || r.httpsPort != "8443" {
		t.Errorf("https_upgrade: upgrade %v, port %q", r.upgrade, r.httpsPort)
	}
	c = caddy.NewTestController("dns", "urlredirect {\n http :8080\n https_upgrade\n}")
	c.ServerBlockKeys = []string{"example.org:53"}
	if _, err := parse(c); err == nil || !strings.Contains(err.Error(), "Testfile:3 - Error during parsing: https_upgrade needs an https listener") {
		t.Errorf("https_upgrade without https: %v", err)
	}
}

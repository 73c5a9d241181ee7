package urlredirect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/caddy"
)

func TestACMEConfig(t *testing.T) {
	dir := t.TempDir()
	rootFile, _ := writeCert(t, dir, "ca.example")
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not pem"), 0o600)

	sc := CertSourceConfig{
		Name: "acme", Root: "/var/lib/coredns",
		Options: map[string][]string{
			"ca": {"https://ca.example/dir"}, "email": {"ops@example.org"}, "rate_limit": {"7"},
			"ca_roots": {rootFile}, "redis_prefix": {"p:"},
		},
		HTTPAddrs: []string{":8080", ":80"}, HTTPSAddrs: []string{"127.0.0.1:8443"},
	}
	cfg, err := acmeConfig(sc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CA != "https://ca.example/dir" || cfg.Email != "ops@example.org" || cfg.RateLimit != 7 ||
		cfg.TrustedRoots == nil || cfg.RedisPrefix != "p:" || cfg.Root != "/var/lib/coredns" ||
		cfg.HTTPPort != 8080 || cfg.TLSALPNPort != 8443 || cfg.DisableHTTPChallenge {
		t.Errorf("config: %+v", cfg)
	}
	sc.HTTPAddrs = nil
	if cfg, _ := acmeConfig(sc); !cfg.DisableHTTPChallenge || cfg.HTTPPort != 0 {
		t.Errorf("without http listeners: HTTP-01 not disabled: %+v", cfg)
	}
}

// Corefile errors name the line of cert_source and say what is wrong.
func TestACMEParseErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not pem"), 0o600)
	bad := map[string]string{
		"{\n}":                                          "Testfile:3 - Error during parsing: cert_source acme: ca is missing",
		"{\n ca http://ca.example/dir\n}":               "is not an https:// URL",
		"{\n ca https://c/d\n rate_limit 0\n}":          `rate_limit "0" is not a number from 1 to 10000`,
		"{\n ca https://c/d\n rate_limit x\n}":          `rate_limit "x"`,
		"{\n ca https://c/d\n ca_roots /nonexist\n}":    "ca_roots: open /nonexist: no such file",
		"{\n ca https://c/d\n ca_roots " + junk + "\n}": "holds no PEM certificate",
		"{\n ca https://c/d\n storage ftp:x\n}":         "unknown kind",
		"{\n ca https://c/d\n email\n}":                 "email: want exactly one value",
		"{\n ca https://c/d\n bogus 1\n}":               `unknown option "bogus"`,
		"x {\n ca https://c/d\n}":                       "takes no arguments",
	}
	for block, want := range bad {
		in := "urlredirect {\n https :8443\n cert_source acme " + block + "\n}"
		c := caddy.NewTestController("dns", in)
		c.ServerBlockKeys = []string{"example.org:53"}
		_, err := parse(c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// With a cert source the https listeners offer acme-tls/1 for TLS-ALPN-01; with files
// only they do not.
func TestNextProtos(t *testing.T) {
	s := &servers{cfg: serverConfig{source: &fakeSource{}}}
	if got := s.newServer(nil, true).TLSConfig.NextProtos; strings.Join(got, ",") != "h2,http/1.1,acme-tls/1" {
		t.Errorf("with a source: NextProtos %q", got)
	}
	s = &servers{cfg: serverConfig{}}
	if got := s.newServer(nil, true).TLSConfig.NextProtos; len(got) != 0 {
		t.Errorf("files only: NextProtos %q", got)
	}
}

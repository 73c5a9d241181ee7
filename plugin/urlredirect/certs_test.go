package urlredirect

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
)

// writeCert writes a self-signed certificate for names and its key into dir.
func writeCert(t *testing.T, dir string, names ...string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(dir, names[0]+".pem")
	keyFile = filepath.Join(dir, names[0]+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestFileCertsSNI(t *testing.T) {
	dir := t.TempDir()
	c1, k1 := writeCert(t, dir, "go.example.org")
	c2, k2 := writeCert(t, dir, "*.example.net", "example.net")
	fc, err := LoadFileCerts(c1, k1, c2, k2)
	if err != nil {
		t.Fatal(err)
	}
	pick := func(sni string) string {
		c, err := fc.GetCertificate(&tls.ClientHelloInfo{ServerName: sni})
		if err != nil {
			t.Fatal(err)
		}
		return c.Leaf.DNSNames[0]
	}
	for sni, want := range map[string]string{
		"go.example.org": "go.example.org", "GO.example.org.": "go.example.org",
		"a.example.net": "*.example.net", "example.net": "*.example.net",
		"a.b.example.net": "go.example.org", // no match: the first certificate
		"":                "go.example.org",
	} {
		if got := pick(sni); got != want {
			t.Errorf("SNI %q: certificate for %s, want %s", sni, got, want)
		}
	}
	if _, err := LoadFileCerts(c1); err == nil {
		t.Error("odd number of files accepted")
	}
	if _, err := LoadFileCerts(c1, k2); err == nil {
		t.Error("certificate with the wrong key accepted")
	}
}

type fakeSource struct{ stopped int }

func (f *fakeSource) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return &tls.Certificate{}, nil
}
func (f *fakeSource) HTTPHandler(next http.Handler) http.Handler { return next }
func (f *fakeSource) Stop()                                      { f.stopped++ }

// A registered source gets its Corefile configuration and the zones, and the files win for
// the names they cover.
func TestCertSource(t *testing.T) {
	var got CertSourceConfig
	src := &fakeSource{}
	RegisterCertSource("fake-test", func(c CertSourceConfig) (CertSource, error) { got = c; return src, nil })
	c := caddy.NewTestController("dns", "urlredirect {\n https :1\n cert_source fake-test a b {\n email x@example.org\n }\n}")
	c.ServerBlockKeys = []string{"example.org:53"}
	r, err := parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "fake-test" || strings.Join(got.Args, " ") != "a b" || strings.Join(got.Options["email"], " ") != "x@example.org" ||
		strings.Join(got.Zones, " ") != "example.org." || got.Allowed == nil || strings.Join(got.HTTPSAddrs, " ") != ":1" {
		t.Errorf("source got %+v", got)
	}
	if r.srv.cfg.source != src {
		t.Error("source not used")
	}
}

// A TLS-ALPN-01 validation (only acme-tls/1 offered) goes to the source even for a name the
// files cover; an ordinary handshake for that name gets the file's certificate.
func TestCertChainALPN(t *testing.T) {
	cert, key := writeCert(t, t.TempDir(), "go.example.org")
	fc, err := LoadFileCerts(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	fromSource := &tls.Certificate{}
	cc := certChain{files: fc, source: sourceCert{fromSource}}
	got, _ := cc.GetCertificate(&tls.ClientHelloInfo{ServerName: "go.example.org", SupportedProtos: []string{"acme-tls/1"}})
	if got != fromSource {
		t.Error("acme-tls/1 handshake: not the source's certificate")
	}
	got, _ = cc.GetCertificate(&tls.ClientHelloInfo{ServerName: "go.example.org", SupportedProtos: []string{"h2", "http/1.1"}})
	if got == fromSource || got == nil {
		t.Error("ordinary handshake: not the file's certificate")
	}
}

type sourceCert struct{ c *tls.Certificate }

func (s sourceCert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.c, nil }
func (s sourceCert) HTTPHandler(next http.Handler) http.Handler                    { return next }
func (s sourceCert) Stop()                                                         {}

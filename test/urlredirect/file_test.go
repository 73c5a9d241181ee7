package urlredirect

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// Over the stock file plugin, behind cache and under dnssec: the synthesized A answer is
// signed and its RRSIG validates; the redirector answers over HTTPS with HTTP/2 and
// HTTP/1.1, with the certificate picked by SNI.
func TestFileDNSSECAndHTTPS(t *testing.T) {
	dir := t.TempDir()
	zone := harness.WriteFile(t, dir, "db.example.org", zoneText)
	key, base := writeKey(t, dir)
	cert, keyFile, pool := writeCert(t, dir, "go.example.org", "*.wild.example.org")
	httpsAddr := freeAddr(t)
	s := startServing(t, fmt.Sprintf(`example.org:0 {
    bind 127.0.0.1
    cache
    dnssec {
        key file %s
    }
    urlredirect {
        address 192.0.2.10
        https %s
        tls %s %s
    }
    file %s
}`, base, httpsAddr, cert, keyFile, zone))

	q := harness.WithEDNS(harness.Query("go.example.org.", dns.TypeA), 4096, true)
	for range 2 { // the second from the cache
		r := harness.Exchange(t, s.UDP, q, "udp")
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 2 {
			t.Fatalf("signed A:\n%s", r)
		}
		a, sig := r.Answer[0], r.Answer[1].(*dns.RRSIG)
		// The TTL counts down in the cache.
		if x, ok := a.(*dns.A); !ok || x.Hdr.Name != "go.example.org." || x.A.String() != "192.0.2.10" || x.Hdr.Ttl > 120 || x.Hdr.Ttl < 110 {
			t.Errorf("answer %s", a)
		}
		if err := sig.Verify(key, []dns.RR{a}); err != nil || sig.TypeCovered != dns.TypeA {
			t.Errorf("RRSIG %s does not validate the A record: %v", sig, err)
		}
		var nsRR dns.RR
		var nsSig *dns.RRSIG
		for _, rr := range r.Ns {
			switch x := rr.(type) {
			case *dns.NS:
				nsRR = x
			case *dns.RRSIG:
				nsSig = x
			}
		}
		if len(r.Ns) != 2 || nsRR == nil || nsSig == nil || nsRR.(*dns.NS).Ns != "ns1.example.org." {
			t.Fatalf("authority:\n%s", r)
		}
		if err := nsSig.Verify(key, []dns.RR{nsRR}); err != nil {
			t.Errorf("RRSIG over the apex NS does not validate: %v", err)
		}
	}

	tc := &tls.Config{RootCAs: pool, ServerName: "go.example.org"}
	for _, h2 := range []bool{true, false} {
		c := client(tc.Clone())
		if !h2 {
			c.Transport.(*http.Transport).ForceAttemptHTTP2 = false
			c.Transport.(*http.Transport).TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		got := fetch(t, c, "GET", "https", httpsAddr, "go.example.org", "/x")
		want := reply{302, "https://www.example.com/x", "Redirecting to https://www.example.com/x\n", "HTTP/2.0"}
		if !h2 {
			want.proto = "HTTP/1.1"
		}
		if got != want {
			t.Errorf("https (h2 %v):\n got %+v\nwant %+v", h2, got, want)
		}
	}
	// SNI for the wildcard name gets the wildcard certificate.
	c := client(&tls.Config{RootCAs: pool, ServerName: "a.wild.example.org"})
	if got := fetch(t, c, "GET", "https", httpsAddr, "a.wild.example.org", "/"); got.status != 301 || got.location != "https://wild.example.com/" {
		t.Errorf("wildcard over https: %+v", got)
	}
}

func writeKey(t *testing.T, dir string) (*dns.DNSKEY, string) {
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.org.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("Kexample.org.+%03d+%05d", k.Algorithm, k.KeyTag())
	harness.WriteFile(t, dir, base+".key", k.String()+"\n")
	harness.WriteFile(t, dir, base+".private", k.PrivateKeyString(priv))
	return k, filepath.Join(dir, base)
}

// writeCert writes a self-signed certificate for names, and returns the files and a pool
// trusting it.
func writeCert(t *testing.T, dir string, names ...string) (string, string, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	c := harness.WriteFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	k := harness.WriteFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return c, k, pool
}

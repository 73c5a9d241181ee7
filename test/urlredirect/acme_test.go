package urlredirect

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
)

// acmeZone holds the names of the ACME tests; SELF is the https listener's address, so
// self's record points at the very URL asked for.
const acmeZone = `$ORIGIN example.test.
@     3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
@     3600 IN NS  ns1.example.test.
ns1   3600 IN A   192.0.2.53
www     60 IN URL "https://www.example.com/" 302
self    60 IN URL "https://self.example.test:SELF/" 301
plain 3600 IN A   192.0.2.80
`

// acmeCorefile returns the Corefile of a redirector over sqlbackend (SQLite) with
// cert_source acme pointing at an in-process pebble whose validation authority connects
// to the redirector's listeners, and a function running SQL on its database.
func acmeCorefile(t *testing.T) (corefile string, p *harness.Pebble, httpAddr, httpsAddr string, exec func(string)) {
	t.Helper()
	httpPort, httpsPort := harness.FreePort(t), harness.FreePort(t)
	httpAddr, httpsAddr = fmt.Sprintf("127.0.0.1:%d", httpPort), fmt.Sprintf("127.0.0.1:%d", httpsPort)
	p = harness.StartPebble(t, harness.PebbleOptions{HTTPPort: httpPort, TLSALPNPort: httpsPort})
	dir := t.TempDir()
	roots := harness.WriteFile(t, dir, "pebble-api.pem", string(p.APIRootPEM))
	path, db := sqliteZone(t, "example.test", strings.ReplaceAll(acmeZone, "SELF", fmt.Sprint(httpsPort)))
	corefile = fmt.Sprintf(`example.test:0 {
    bind 127.0.0.1
    urlredirect {
        address 127.0.0.1
        http %s
        https %s
        https_upgrade
        cert_source acme {
            ca %s
            ca_roots %s
            storage dir:%s
            email ops@example.test
        }
    }
    sqlbackend {
        driver sqlite
        dsn %s
    }
}`, httpAddr, httpsAddr, p.Directory, roots, dir+"/certs", path)
	exec = func(q string) {
		t.Helper()
		if _, err := db.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return corefile, p, httpAddr, httpsAddr, exec
}

// loopbackClient is a browser that resolves every name to 127.0.0.1, trusts roots, and
// follows redirects until one leaves for a target under example.com.
func loopbackClient(roots *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasSuffix(req.URL.Hostname(), ".example.com") || len(via) > 5 {
				return http.ErrUseLastResponse
			}
			return nil
		},
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots},
			ForceAttemptHTTP2: true,
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, _ := net.SplitHostPort(addr)
				return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			},
		},
	}
}

type hop struct {
	status   int
	location string
}

// follow GETs url and returns the last response's status and Location, every hop's URL,
// and the certificate of the last TLS connection; the body goes to *body if not nil.
func follow(t *testing.T, c *http.Client, url string, body ...*string) (hop, []string, *x509.Certificate, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return hop{}, nil, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if len(body) > 0 {
		*body[0] = string(b)
	}
	var urls []string
	for r := resp.Request; r != nil; r = r.Response.Request {
		urls = append([]string{r.URL.String()}, urls...)
		if r.Response == nil {
			break
		}
	}
	var cert *x509.Certificate
	if resp.TLS != nil {
		cert = resp.TLS.PeerCertificates[0]
	}
	return hop{resp.StatusCode, resp.Header.Get("Location")}, urls, cert, nil
}

// TestACME: the redirector gets certificates from pebble on demand for names holding a
// URL record, refuses the handshake (and orders nothing) for others, upgrades http to
// https, refuses a redirect to itself, and follows an UPDATE of the row over https.
func TestACME(t *testing.T) {
	corefile, p, httpAddr, httpsAddr, exec := acmeCorefile(t)
	startServing(t, corefile)
	_, httpsPort, _ := net.SplitHostPort(httpsAddr)
	_, httpPort, _ := net.SplitHostPort(httpAddr)
	c := loopbackClient(p.IssuingRoots)

	start := time.Now()
	got, _, cert, err := follow(t, c, "https://www.example.test:"+httpsPort+"/some/path?q=1")
	if err != nil {
		t.Fatalf("first https request: %v", err)
	}
	t.Logf("first HTTPS redirect, certificate issued on demand by pebble: %s", time.Since(start).Round(time.Millisecond))
	if want := (hop{302, "https://www.example.com/some/path?q=1"}); got != want {
		t.Errorf("https://www.example.test/some/path: %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(cert.DNSNames, []string{"www.example.test"}) {
		t.Errorf("certificate for %v", cert.DNSNames)
	}
	start = time.Now()
	if got, _, _, err := follow(t, c, "https://www.example.test:"+httpsPort+"/"); err != nil || got.status != 302 {
		t.Errorf("second https request: %+v %v", got, err)
	}
	t.Logf("second HTTPS redirect (new connection, cached certificate): %s", time.Since(start).Round(time.Microsecond))

	for _, name := range []string{"plain.example.test", "nothing.example.test"} {
		if _, _, _, err := follow(t, c, "https://"+name+":"+httpsPort+"/"); err == nil || !strings.Contains(err.Error(), "tls") {
			t.Errorf("%s: %v, want a failed TLS handshake", name, err)
		}
	}
	if got := p.Orders(); !reflect.DeepEqual(got, []string{"www.example.test"}) {
		t.Errorf("pebble's orders: %v, want only www.example.test", got)
	}

	// https_upgrade: http -> https on the same host and path (301), then the record's 302.
	got, urls, _, err := follow(t, c, "http://www.example.test:"+httpPort+"/up?x=1")
	if err != nil {
		t.Fatal(err)
	}
	wantURLs := []string{"http://www.example.test:" + httpPort + "/up?x=1", "https://www.example.test:" + httpsPort + "/up?x=1"}
	if want := (hop{302, "https://www.example.com/up?x=1"}); got != want || !reflect.DeepEqual(urls, wantURLs) {
		t.Errorf("upgrade: %+v via %v, want %+v via %v", got, urls, want, wantURLs)
	}
	if got := fetch(t, client(nil), "GET", "http", httpAddr, "www.example.test", "/up?x=1"); got.status != 301 ||
		got.location != "https://www.example.test:"+httpsPort+"/up?x=1" {
		t.Errorf("plain http: %+v, want 301 to https", got)
	}
	// self's record points at https://self.example.test:PORT/: upgraded, then 404, not a loop.
	var body string
	got, urls, _, err = follow(t, c, "http://self.example.test:"+httpPort+"/", &body)
	if err != nil || got.status != http.StatusNotFound || !strings.Contains(body, "redirect loop") || len(urls) != 2 {
		t.Errorf("self-redirect: %+v %q via %v (%v), want 404 redirect loop after the upgrade", got, body, urls, err)
	}

	// An UPDATE of the row: the https redirect follows.
	exec(`UPDATE records SET content = '"https://new.example.com/" 307' WHERE name = 'www.example.test' AND type = 'URL'`)
	start = time.Now()
	harness.Eventually(t, 3*time.Second, "https redirect to the updated URL", func() bool {
		got, _, _, err := follow(t, c, "https://www.example.test:"+httpsPort+"/")
		return err == nil && got == hop{307, "https://new.example.com/"}
	})
	t.Logf("https redirect changed %s after the UPDATE", time.Since(start).Round(time.Millisecond))
}

// Without an http listener the CA can only validate with TLS-ALPN-01 (RFC 8737) on the
// https listener, which must therefore offer acme-tls/1 and answer the challenge.
func TestACMEALPNOnly(t *testing.T) {
	httpsPort := harness.FreePort(t)
	httpsAddr := fmt.Sprintf("127.0.0.1:%d", httpsPort)
	// The VA's HTTP-01 port has nothing on it: an HTTP-01 attempt would fail.
	p := harness.StartPebble(t, harness.PebbleOptions{HTTPPort: harness.FreePort(t), TLSALPNPort: httpsPort})
	dir := t.TempDir()
	roots := harness.WriteFile(t, dir, "pebble-api.pem", string(p.APIRootPEM))
	path, _ := sqliteZone(t, "example.test", strings.ReplaceAll(acmeZone, "SELF", "443"))
	startServing(t, fmt.Sprintf(`example.test:0 {
    bind 127.0.0.1
    urlredirect {
        https %s
        cert_source acme {
            ca %s
            ca_roots %s
            storage dir:%s
        }
    }
    sqlbackend {
        driver sqlite
        dsn %s
    }
}`, httpsAddr, p.Directory, roots, dir+"/certs", path))
	got, _, cert, err := follow(t, loopbackClient(p.IssuingRoots), fmt.Sprintf("https://www.example.test:%d/a", httpsPort))
	if err != nil {
		t.Fatal(err)
	}
	if want := (hop{302, "https://www.example.com/a"}); got != want || !reflect.DeepEqual(cert.DNSNames, []string{"www.example.test"}) {
		t.Errorf("%+v under a certificate for %v, want %+v for www.example.test", got, cert.DNSNames, want)
	}
}

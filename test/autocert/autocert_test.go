// Package autocert_test runs the urlredirect plugin's ACME certificates against pebble,
// a real ACME server, in process on loopback: pebble validates every order by
// connecting to the test's listeners (HTTP-01 or TLS-ALPN-01, whichever certmagic picks),
// and a net/http client trusting pebble's root checks what it is served.
package autocert_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/urlredirect/autocert"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	www  = "www.example.test"  // holds a URL record
	www2 = "www2.example.test" // holds one too
	www3 = "www3.example.test" // and so does this
	evil = "evil.example.test" // does not: resolves (so pebble could validate it) but is not Allowed
)

// allowed stands for the plugin's question to the DNS chain; a name in revoked has lost
// its URL record.
func allowed(_ context.Context, host string) bool {
	if _, gone := revoked.Load(host); gone {
		return false
	}
	return host == www || host == www2 || host == www3
}

var revoked sync.Map

// redirect stands for the plugin's redirect handler.
var redirect = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "https://target.example.net/", http.StatusFound)
})

func newManager(t *testing.T, r *rig, storage, prefix string, rate int) *autocert.Manager {
	t.Helper()
	m, err := autocert.New(autocert.Config{
		CA: r.Directory, Email: "ops@example.test", TrustedRoots: r.APIRoots,
		Storage: storage, RedisPrefix: prefix,
		Allowed: allowed, RateLimit: rate,
		HTTPPort: port(r.httpLn), TLSALPNPort: port(r.tlsLn),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

// serveManager serves m's challenge handler over HTTP on httpLn and its TLS on tlsLn.
func serveManager(t *testing.T, m *autocert.Manager, httpLn, tlsLn net.Listener) (stop func()) {
	stopHTTP := serve(t, httpLn, m.HTTPHandler(redirect), nil)
	stopTLS := serve(t, tlsLn, m.HTTPHandler(redirect), m.TLSConfig())
	return func() { stopTLS(); stopHTTP() }
}

// get asks https://host/ at addr, trusting roots, as a browser would, and returns the
// server's certificate and the response's status and Location.
func get(t *testing.T, addr, host string, roots *x509.CertPool) (*x509.Certificate, string, error) {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		},
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("https://" + host + "/some/path")
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.TLS.PeerCertificates[0], resp.Status + " " + resp.Header.Get("Location"), nil
}

// mustGet is get that expects the redirect, served under a certificate for host.
func mustGet(t *testing.T, addr, host string, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	cert, got, err := get(t, addr, host, roots)
	if err != nil {
		t.Fatalf("GET https://%s/ at %s: %v", host, addr, err)
	}
	if want := "302 Found https://target.example.net/"; got != want {
		t.Errorf("https://%s/: %q, want %q", host, got, want)
	}
	if !reflect.DeepEqual(cert.DNSNames, []string{host}) {
		t.Errorf("certificate for %v, want [%s]", cert.DNSNames, host)
	}
	return cert
}

// counter reads coredns_urlredirect_certificates_total{result} as Prometheus would.
func counter(t *testing.T, result string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "coredns_urlredirect_certificates_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func wantOrders(t *testing.T, r *rig, want ...string) {
	t.Helper()
	if got := r.Orders(); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("pebble's orders: %v, want %v", got, want)
	}
}

// TestOnDemandDirectory: a name with a URL record gets a certificate from pebble in its
// first handshake; a name without gets a failed handshake and no order; beyond the rate
// limit an allowed name gets no order either; a restarted Manager on the same directory
// serves the stored certificate without ordering again.
func TestOnDemandDirectory(t *testing.T) {
	r := newRig(t)
	dir := "dir:" + t.TempDir()
	m := newManager(t, r, dir, "", 2)
	stop := serveManager(t, m, r.httpLn, r.tlsLn)
	addr := r.tlsLn.Addr().String()

	start := time.Now()
	first := mustGet(t, addr, www, r.IssuingRoots)
	t.Logf("first handshake for %s, certificate issued by pebble: %s", www, time.Since(start).Round(time.Millisecond))
	wantOrders(t, r, www)

	start = time.Now()
	again := mustGet(t, addr, www, r.IssuingRoots)
	t.Logf("second handshake (cached): %s", time.Since(start).Round(time.Microsecond))
	if again.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Errorf("second handshake: serial %s, want the first certificate's %s", again.SerialNumber, first.SerialNumber)
	}

	// The record is deleted: the certificate in memory is not served any more; back, it is.
	revoked.Store(www, true)
	if _, _, err := get(t, addr, www, r.IssuingRoots); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Errorf("%s without its URL record: %v, want a failed TLS handshake", www, err)
	}
	revoked.Delete(www)
	mustGet(t, addr, www, r.IssuingRoots)
	wantOrders(t, r, www)

	refused, limited := counter(t, "refused"), counter(t, "ratelimited")
	if _, _, err := get(t, addr, evil, r.IssuingRoots); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Errorf("%s: %v, want a failed TLS handshake", evil, err)
	}
	wantOrders(t, r, www)
	if got := counter(t, "refused") - refused; got != 1 {
		t.Errorf("refused counted %v times, want 1", got)
	}
	// The refusal spent none of the limit (2 a minute): www2 gets the second issuance,
	// www3 none.
	mustGet(t, addr, www2, r.IssuingRoots)
	if _, _, err := get(t, addr, www3, r.IssuingRoots); err == nil {
		t.Errorf("%s over the rate limit: got a certificate", www3)
	}
	wantOrders(t, r, www, www2)
	if got := counter(t, "ratelimited") - limited; got != 1 {
		t.Errorf("ratelimited counted %v times, want 1", got)
	}

	// Restart: a new Manager on the same directory, on a new port.
	stop()
	m.Stop()
	m2 := newManager(t, r, dir, "", 1)
	ln := listen(t)
	serve(t, ln, m2.HTTPHandler(redirect), m2.TLSConfig())
	start = time.Now()
	restarted := mustGet(t, ln.Addr().String(), www, r.IssuingRoots)
	t.Logf("handshake after restart (loaded from the directory): %s", time.Since(start).Round(time.Microsecond))
	if restarted.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Errorf("after restart: serial %s, want the stored %s", restarted.SerialNumber, first.SerialNumber)
	}
	wantOrders(t, r, www, www2)
}

// TestRedisShared: two redirectors on one Redis. A's handshake orders the certificate,
// B answers pebble's challenge (A is not on the ports pebble connects to: B finds the
// challenge in Redis), and B then serves A's certificate without an order of its own.
func TestRedisShared(t *testing.T) {
	r := newRig(t)
	red := harness.NewRedis(t)
	spec := "redis:" + red.Addr
	a := newManager(t, r, spec, red.Prefix, 0)
	b := newManager(t, r, spec, red.Prefix, 0)
	serveManager(t, b, r.httpLn, r.tlsLn)
	aLn := listen(t)
	serve(t, aLn, a.HTTPHandler(redirect), a.TLSConfig())

	start := time.Now()
	fromA := mustGet(t, aLn.Addr().String(), www, r.IssuingRoots)
	t.Logf("issuance through A, challenge answered by B from Redis: %s", time.Since(start).Round(time.Millisecond))
	fromB := mustGet(t, r.tlsLn.Addr().String(), www, r.IssuingRoots)
	if fromB.SerialNumber.Cmp(fromA.SerialNumber) != 0 {
		t.Errorf("B serves serial %s, A %s: want one certificate", fromB.SerialNumber, fromA.SerialNumber)
	}
	wantOrders(t, r, www)

	keys, err := red.Client.Keys(context.Background(), red.Prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	var certs, locks int
	for _, k := range keys {
		rest := strings.TrimPrefix(k, red.Prefix)
		if strings.HasPrefix(rest, "f:certificates/") && strings.HasSuffix(rest, "/"+www+".crt") {
			certs++
		}
		if strings.HasPrefix(rest, "lock:") {
			locks++
		}
	}
	if certs != 1 || locks != 0 {
		t.Errorf("Redis keys: %d certificates for %s (want 1), %d locks left (want 0): %v", certs, www, locks, keys)
	}
}

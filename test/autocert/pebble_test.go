package autocert_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// rig is a pebble ACME server run in this process on loopback, with the two listeners
// its validation authority connects to for HTTP-01 and TLS-ALPN-01, and a DNS server
// that points every name under example.test at 127.0.0.1.
type rig struct {
	httpLn, tlsLn net.Listener   // where pebble's VA connects; the test serves them
	dir           string         // ACME directory URL
	apiRoots      *x509.CertPool // trusts the ACME server's own TLS certificate
	issuingRoot   *x509.CertPool // pebble's root, which the issued certificates chain to
	orders        *orderLog
}

func newRig(t *testing.T) *rig {
	t.Helper()
	// No random sleeps before validation, no injected bad nonces: the test measures
	// issuance, not pebble's chaos settings.
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")

	r := &rig{httpLn: listen(t), tlsLn: listen(t), orders: &orderLog{}}
	logger := log.New(io.Discard, "", 0)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default"}})
	validator := va.New(logger, port(r.httpLn), port(r.tlsLn), false, dnsServer(t), store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)

	api := httptest.NewUnstartedServer(r.orders.wrap(front.Handler()))
	// A CA closes idle keep-alive connections; certmagic's ACME client never does, so
	// without this its connections (and goroutines) would outlive a stopped Manager.
	api.Config.IdleTimeout = time.Second
	api.StartTLS()
	t.Cleanup(api.Close)
	mgmt := httptest.NewTLSServer(front.ManagementHandler())
	t.Cleanup(mgmt.Close)

	r.dir = api.URL + wfe.DirectoryPath
	r.apiRoots = x509.NewCertPool()
	r.apiRoots.AddCert(api.Certificate())
	r.issuingRoot = fetchRoot(t, mgmt)
	return r
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// fetchRoot gets pebble's issuing root from its management API, as a client would be
// configured to trust it.
func fetchRoot(t *testing.T, mgmt *httptest.Server) *x509.CertPool {
	t.Helper()
	c := mgmt.Client()
	defer c.CloseIdleConnections()
	resp, err := c.Get(mgmt.URL + wfe.RootCertPath + "0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pemBytes, _ := io.ReadAll(resp.Body)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("pebble's root: %s", pemBytes)
	}
	return pool
}

// dnsServer answers A 127.0.0.1 for every name under example.test (over TCP, which
// pebble's VA uses), and nothing else; it returns its address.
func dnsServer(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	srv := &dns.Server{Listener: ln, Net: "tcp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		name := strings.ToLower(q.Question[0].Name)
		if !strings.HasSuffix(name, ".example.test.") {
			m.Rcode = dns.RcodeNameError
		} else if q.Question[0].Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.IPv4(127, 0, 0, 1),
			})
		}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

// orderLog records the identifiers of every new-order request pebble receives (RFC
// 8555 section 7.4): the JWS payload names them.
type orderLog struct {
	mu    sync.Mutex
	names []string
}

func (o *orderLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/order-plz" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			o.record(body)
		}
		next.ServeHTTP(w, r)
	})
}

func (o *orderLog) record(jws []byte) {
	var env struct{ Payload string }
	var order struct{ Identifiers []struct{ Value string } }
	json.Unmarshal(jws, &env)
	payload, _ := base64.RawURLEncoding.DecodeString(env.Payload)
	json.Unmarshal(payload, &order)
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(order.Identifiers) == 0 {
		o.names = append(o.names, "(unreadable order)")
	}
	for _, id := range order.Identifiers {
		o.names = append(o.names, id.Value)
	}
}

// list returns the names ordered so far.
func (o *orderLog) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.names...)
}

// serve runs an HTTP server (HTTPS when tc is not nil) on ln until the returned stop.
func serve(t *testing.T, ln net.Listener, h http.Handler, tc *tls.Config) (stop func()) {
	t.Helper()
	srv := &http.Server{Handler: h, TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if tc != nil {
			srv.ServeTLS(ln, "", "")
		} else {
			srv.Serve(ln)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			srv.Close()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

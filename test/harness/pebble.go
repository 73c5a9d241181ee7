package harness

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// PebbleOptions says where pebble's validation authority connects on 127.0.0.1: the
// ports of the server under test that answer HTTP-01 (RFC 8555 section 8.3) and
// TLS-ALPN-01 (RFC 8737) challenges.
type PebbleOptions struct {
	HTTPPort, TLSALPNPort int
}

// Pebble is an ACME server (letsencrypt/pebble) run in the test process on loopback. Its
// validation authority resolves every name to 127.0.0.1 through a DNS server of its own,
// so any test name can be validated against the server under test, which may be another
// process on loopback (the coredns binary).
type Pebble struct {
	// Directory is the ACME directory URL.
	Directory string
	// APIRoots trusts the TLS certificate of the ACME API itself; APIRootPEM is the
	// same as a PEM file's contents (for a Corefile's ca_roots).
	APIRoots   *x509.CertPool
	APIRootPEM []byte
	// IssuingRoots trusts the certificates pebble issues (its root, fetched from its
	// management API as a client would be given it); IssuingRootPEM is its PEM.
	IssuingRoots   *x509.CertPool
	IssuingRootPEM []byte

	orders orderLog
}

// StartPebble starts pebble and stops it when the test ends. Pebble's random sleeps
// before validation and its injected bad nonces are off: tests measure issuance, not
// pebble's chaos settings. It sets environment variables, so the test must not be
// parallel.
func StartPebble(t testing.TB, o PebbleOptions) *Pebble {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")

	p := &Pebble{}
	logger := log.New(io.Discard, "", 0)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default"}})
	validator := va.New(logger, o.HTTPPort, o.TLSALPNPort, false, loopbackDNS(t), store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)

	api := httptest.NewUnstartedServer(p.orders.wrap(front.Handler()))
	// A CA closes idle keep-alive connections; certmagic's ACME client never does, so
	// without this its connections (and goroutines) would outlive a stopped client.
	api.Config.IdleTimeout = time.Second
	api.Config.ErrorLog = logger
	api.StartTLS()
	t.Cleanup(api.Close)
	mgmt := httptest.NewUnstartedServer(front.ManagementHandler())
	mgmt.Config.ErrorLog = logger
	mgmt.StartTLS()
	t.Cleanup(mgmt.Close)

	p.Directory = api.URL + wfe.DirectoryPath
	p.APIRoots = x509.NewCertPool()
	p.APIRoots.AddCert(api.Certificate())
	p.APIRootPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	p.IssuingRootPEM = fetchPebbleRoot(t, mgmt)
	p.IssuingRoots = x509.NewCertPool()
	if !p.IssuingRoots.AppendCertsFromPEM(p.IssuingRootPEM) {
		t.Fatalf("pebble's root is not PEM: %s", p.IssuingRootPEM)
	}
	return p
}

// Orders returns the names of every new-order request pebble has received, in order.
func (p *Pebble) Orders() []string { return p.orders.list() }

// fetchPebbleRoot gets pebble's issuing root from its management API.
func fetchPebbleRoot(t testing.TB, mgmt *httptest.Server) []byte {
	t.Helper()
	c := mgmt.Client()
	defer c.CloseIdleConnections()
	resp, err := c.Get(mgmt.URL + wfe.RootCertPath + "0")
	if err != nil {
		t.Fatalf("pebble's root: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("pebble's root: %v", err)
	}
	return b
}

// loopbackDNS answers A 127.0.0.1 for every name, over TCP (which pebble's VA uses), and
// returns its address.
func loopbackDNS(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Net: "tcp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if len(q.Question) == 1 && q.Question[0].Qtype == dns.TypeA {
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

// orderLog records the identifiers of every new-order request (RFC 8555 section 7.4):
// the JWS payload names them.
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

func (o *orderLog) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.names...)
}

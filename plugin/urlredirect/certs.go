package urlredirect

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// CertSource supplies the certificates of the https listeners. The files of the Corefile's
// tls lines are one; a source issuing certificates from an ACME CA is plugged in through
// RegisterCertSource and the cert_source property.
type CertSource interface {
	// GetCertificate returns the certificate for a TLS handshake (tls.Config.GetCertificate).
	GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// HTTPHandler wraps the handler of the plain http listeners, e.g. to answer ACME
	// HTTP-01 challenges before the redirector sees the request.
	HTTPHandler(next http.Handler) http.Handler
	// Stop ends whatever the source runs (renewals, ...). It is called once, when the
	// plugin instance is shut down for good or replaced by a reload.
	Stop()
}

// CertSourceConfig is what a certificate source gets from the Corefile line
//
//	cert_source NAME [ARGS...] [{
//	    KEY [VALUES...]
//	}]
type CertSourceConfig struct {
	Name    string
	Args    []string
	Options map[string][]string // KEY -> VALUES of the block; a repeated KEY is an error
	// Zones are the zones the urlredirect instance serves (fully qualified).
	Zones []string
	// Allowed reports whether host holds a URL record served here: a source issuing on
	// demand must ask it before asking a CA (Redirect.Allowed).
	Allowed func(ctx context.Context, host string) bool
	// HTTPAddrs and HTTPSAddrs are the instance's listeners (HOST:PORT or :PORT): an ACME
	// source learns from them where the CA's challenges arrive.
	HTTPAddrs, HTTPSAddrs []string
	// Root is CoreDNS's root directory (the root plugin; "" is the working directory),
	// where a source keeps its files unless told otherwise.
	Root string
}

// NewCertSource makes a certificate source from its Corefile configuration. Errors are
// reported with the line of the cert_source property.
type NewCertSource func(CertSourceConfig) (CertSource, error)

var (
	sourcesMu sync.RWMutex
	sources   = map[string]NewCertSource{}
)

// RegisterCertSource makes a certificate source available as "cert_source name" in the
// Corefile. Call it from an init function; a name registered twice panics.
func RegisterCertSource(name string, f NewCertSource) {
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	if _, dup := sources[name]; dup {
		panic("urlredirect: certificate source " + name + " registered twice")
	}
	sources[name] = f
}

func certSource(name string) (NewCertSource, bool) {
	sourcesMu.RLock()
	defer sourcesMu.RUnlock()
	f, ok := sources[name]
	return f, ok
}

// FileCerts is the certificate source of the tls lines: certificates loaded once from PEM
// files, picked by the TLS server name against each certificate's DNS names (wildcards
// included, RFC 6125 section 6.4.3: "*" stands for exactly one label).
type FileCerts struct {
	byName map[string]*tls.Certificate // lower-case DNS name or "*.rest"
	first  *tls.Certificate
}

// LoadFileCerts loads certificate and key files, given as pairs: cert1, key1, cert2, key2...
func LoadFileCerts(files ...string) (*FileCerts, error) {
	if len(files) == 0 || len(files)%2 != 0 {
		return nil, errors.New("certificate and key files come in pairs")
	}
	fc := &FileCerts{byName: map[string]*tls.Certificate{}}
	for i := 0; i < len(files); i += 2 {
		cert, err := tls.LoadX509KeyPair(files[i], files[i+1])
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %v", files[i], files[i+1], err)
		}
		if err := fc.add(&cert); err != nil {
			return nil, fmt.Errorf("%s: %v", files[i], err)
		}
	}
	return fc, nil
}

func (fc *FileCerts) add(cert *tls.Certificate) error {
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return err
		}
		cert.Leaf = leaf
	}
	if len(leaf.DNSNames) == 0 {
		return errors.New("certificate has no DNS names (subjectAltName)")
	}
	for _, n := range leaf.DNSNames {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if _, dup := fc.byName[n]; !dup { // the first file naming a host wins
			fc.byName[n] = cert
		}
	}
	if fc.first == nil {
		fc.first = cert
	}
	return nil
}

// GetCertificate implements CertSource. A client without SNI, or with a name no file has,
// gets the first certificate, as crypto/tls does with Config.Certificates.
func (fc *FileCerts) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := fc.lookup(hello.ServerName); c != nil {
		return c, nil
	}
	return fc.first, nil
}

// lookup returns the certificate for server name, or nil.
func (fc *FileCerts) lookup(name string) *tls.Certificate {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" {
		return nil
	}
	if c, ok := fc.byName[name]; ok {
		return c
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return fc.byName["*"+name[i:]]
	}
	return nil
}

// HTTPHandler implements CertSource: files need no challenges.
func (fc *FileCerts) HTTPHandler(next http.Handler) http.Handler { return next }

// Stop implements CertSource.
func (fc *FileCerts) Stop() {}

// certChain serves the files' certificate for the names they cover and asks the
// configured source for every other name.
type certChain struct {
	files  *FileCerts // may be nil
	source CertSource // may be nil
}

func (cc certChain) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	// A TLS-ALPN-01 validation (RFC 8737 section 3) offers only "acme-tls/1" and must get
	// the source's challenge certificate, even for a name the files cover.
	if cc.source != nil && slices.Equal(hello.SupportedProtos, []string{acmeTLS1}) {
		return cc.source.GetCertificate(hello)
	}
	if cc.files != nil {
		if c := cc.files.lookup(hello.ServerName); c != nil {
			return c, nil
		}
	}
	if cc.source != nil {
		return cc.source.GetCertificate(hello)
	}
	return cc.files.GetCertificate(hello)
}

// acmeTLS1 is the ALPN protocol of TLS-ALPN-01 challenges (RFC 8737 section 6.2).
const acmeTLS1 = "acme-tls/1"

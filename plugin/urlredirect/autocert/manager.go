package autocert

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// Manager obtains, stores and serves certificates for one redirector.
type Manager struct {
	cfg     Config
	cache   *certmagic.Cache
	magic   *certmagic.Config
	issuer  *certmagic.ACMEIssuer
	limiter *limiter
	closers []func() error // storage resources, closed by Stop
	stop    sync.Once
}

// New checks cfg and builds a Manager. Nothing is obtained until a handshake asks.
func New(cfg Config) (*Manager, error) {
	if cfg.CA == "" {
		return nil, errors.New("autocert: no ACME directory URL (CA)")
	}
	if cfg.RateLimit < 0 {
		return nil, fmt.Errorf("autocert: rate limit %d is negative", cfg.RateLimit)
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	spec, err := parseStorage(cfg.Storage, cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("autocert: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = corednsLogger()
	}
	m := &Manager{cfg: cfg, limiter: newLimiter(cfg.RateLimit, time.Minute)}
	storage, err := m.openStorage(spec)
	if err != nil {
		return nil, fmt.Errorf("autocert: %w", err)
	}

	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return m.magic, nil },
		Logger:           logger,
	})
	m.magic = certmagic.New(m.cache, certmagic.Config{
		Storage:  storage,
		OnDemand: &certmagic.OnDemandConfig{DecisionFunc: m.decide},
		OnEvent:  m.onEvent,
		// Let's Encrypt ended OCSP in 2025, and a failed staple fetch only adds latency
		// to the first handshake.
		OCSP:   certmagic.OCSPConfig{DisableStapling: true},
		Logger: logger,
	})
	m.issuer = certmagic.NewACMEIssuer(m.magic, certmagic.ACMEIssuer{
		CA:                   cfg.CA,
		Email:                cfg.Email,
		Agreed:               true,
		TrustedRoots:         cfg.TrustedRoots,
		AltHTTPPort:          cfg.HTTPPort,
		AltTLSALPNPort:       cfg.TLSALPNPort,
		DisableHTTPChallenge: cfg.DisableHTTPChallenge,
		Logger:               logger,
	})
	m.magic.Issuers = []certmagic.Issuer{m.issuer}
	return m, nil
}

// openStorage opens the storage spec names.
func (m *Manager) openStorage(spec storageSpec) (certmagic.Storage, error) {
	if spec.Kind == "dir" {
		return &certmagic.FileStorage{Path: spec.Path}, nil
	}
	prefix := m.cfg.RedisPrefix
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	rs := NewRedisStorage(spec.Addr, spec.DB, m.cfg.RedisPassword, prefix)
	m.closers = append(m.closers, rs.Close)
	return rs, nil
}

// GetCertificate returns the certificate for the handshake's server name, loading or
// obtaining it if needed; it answers TLS-ALPN-01 challenges (RFC 8737) too. A name
// without a URL record gets an error, and the handshake fails.
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	// certmagic asks decide only before it loads or obtains a certificate: one it holds
	// in memory would go on being served for a name whose URL record is gone. Asked at
	// every handshake, which the plugin answers from its memo. A CA's TLS-ALPN-01
	// validation is let through: it comes while an allowed name is being issued.
	if !isChallenge(hello) {
		if err := m.decide(hello.Context(), hello.ServerName); err != nil {
			return nil, err
		}
	}
	cert, err := m.magic.GetCertificate(hello)
	if err != nil {
		return nil, err
	}
	return cert, nil
}

// HTTPHandler answers the CA's HTTP-01 challenges (RFC 8555 section 8.3) under
// /.well-known/acme-challenge/, also those another redirector sharing the storage
// started, and passes every other request to next.
func (m *Manager) HTTPHandler(next http.Handler) http.Handler {
	return m.issuer.HTTPChallengeHandler(next)
}

// TLSConfig is a server configuration that gets certificates from m, offering HTTP/2,
// HTTP/1.1 and the TLS-ALPN-01 challenge protocol.
func (m *Manager) TLSConfig() *tls.Config {
	c := m.magic.TLSConfig()
	c.GetCertificate = m.GetCertificate
	c.NextProtos = append([]string{"h2", "http/1.1"}, c.NextProtos...)
	return c
}

// Stop ends the certificate cache's maintenance goroutine and closes the storage, so a
// CoreDNS reload leaves nothing running. The Manager must not be used afterwards.
func (m *Manager) Stop() {
	m.stop.Do(func() {
		m.cache.Stop()
		for _, c := range m.closers {
			c()
		}
	})
}

// isChallenge reports whether hello is a CA's TLS-ALPN-01 validation (RFC 8737 section 3:
// it offers acme-tls/1 and nothing else).
func isChallenge(hello *tls.ClientHelloInfo) bool {
	return len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == "acme-tls/1"
}

package urlredirect

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"

	"github.com/hostdns/hostdns/plugin/urlredirect/autocert"
)

// The "acme" certificate source: certificates from an ACME CA (RFC 8555), obtained on
// demand during the first handshake for a name holding a URL record (package autocert).
func init() { RegisterCertSource("acme", newACME) }

// maxRateLimit bounds rate_limit: more new certificates a minute than any public CA allows
// is a typo.
const maxRateLimit = 10000

// acmeOptions are the block lines of "cert_source acme"; each takes exactly one value.
var acmeOptions = []string{"ca", "email", "storage", "redis_password", "redis_prefix", "rate_limit", "ca_roots"}

// newACME makes the acme source from
//
//	cert_source acme {
//	    ca URL
//	    email ADDR
//	    storage dir:/path|redis:ADDR[/DB]
//	    redis_password P
//	    redis_prefix P
//	    rate_limit N
//	    ca_roots FILE.pem
//	}
func newACME(sc CertSourceConfig) (CertSource, error) {
	if len(sc.Args) > 0 {
		return nil, fmt.Errorf("takes no arguments (options go in its block), got %q", sc.Args)
	}
	cfg, err := acmeConfig(sc)
	if err != nil {
		return nil, err
	}
	return autocert.New(cfg)
}

// acmeConfig turns the block into an autocert.Config.
func acmeConfig(sc CertSourceConfig) (autocert.Config, error) {
	opt := map[string]string{}
	for k, v := range sc.Options {
		if !slices.Contains(acmeOptions, k) {
			return autocert.Config{}, fmt.Errorf("unknown option %q", k)
		}
		if len(v) != 1 {
			return autocert.Config{}, fmt.Errorf("%s: want exactly one value, got %d", k, len(v))
		}
		opt[k] = v[0]
	}
	cfg := autocert.Config{
		CA: opt["ca"], Email: opt["email"], Storage: opt["storage"],
		RedisPassword: opt["redis_password"], RedisPrefix: opt["redis_prefix"],
		Root: sc.Root, Allowed: sc.Allowed,
	}
	if cfg.CA == "" {
		return cfg, errors.New("ca is missing: the ACME directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory")
	}
	if u, err := url.Parse(cfg.CA); err != nil || u.Scheme != "https" || u.Host == "" {
		return cfg, fmt.Errorf("ca %q is not an https:// URL", cfg.CA)
	}
	if s, ok := opt["rate_limit"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxRateLimit {
			return cfg, fmt.Errorf("rate_limit %q is not a number from 1 to %d", s, maxRateLimit)
		}
		cfg.RateLimit = n
	}
	if f, ok := opt["ca_roots"]; ok {
		pool, err := readRoots(f)
		if err != nil {
			return cfg, err
		}
		cfg.TrustedRoots = pool
	}
	var err error
	if cfg.HTTPPort, err = firstPort(sc.HTTPAddrs); err != nil {
		return cfg, err
	}
	if cfg.TLSALPNPort, err = firstPort(sc.HTTPSAddrs); err != nil {
		return cfg, err
	}
	cfg.DisableHTTPChallenge = len(sc.HTTPAddrs) == 0
	return cfg, nil
}

// readRoots reads the PEM certificates that sign the CA's own TLS certificate.
func readRoots(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ca_roots: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("ca_roots: %s holds no PEM certificate", file)
	}
	return pool, nil
}

// firstPort returns the port of the first listener, where the CA's challenges arrive (a
// CA connects to 80 and 443; a redirector behind port forwarding listens elsewhere), or 0
// without a listener.
func firstPort(addrs []string) (int, error) {
	if len(addrs) == 0 {
		return 0, nil
	}
	_, p, err := net.SplitHostPort(addrs[0])
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(p)
}

// Package autocert obtains TLS certificates over ACME (RFC 8555), on demand, for the names
// the urlredirect plugin redirects: a certificate is requested during the first TLS
// handshake for a name, and only when that name holds a URL record at that moment. Any
// other server name gets no certificate, so a client cannot make the CA issue (and the
// redirector store) certificates for names of its choosing.
//
// Certificates are kept in a directory or in Redis; several redirectors sharing one Redis
// share one certificate per name, and any of them can answer the CA's challenge.
package autocert

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// Config configures a Manager.
type Config struct {
	CA           string         // ACME directory URL
	Email        string         // account contact; may be empty
	TrustedRoots *x509.CertPool // roots for the CA's own TLS (a private CA like pebble); nil = system roots

	// Storage is "dir:/path" or "redis:ADDR[/DB]"; empty means a directory "autocert"
	// under Root.
	Storage                    string
	RedisPassword, RedisPrefix string
	// Root is the directory an empty Storage is placed in (CoreDNS's root); empty is the
	// current directory.
	Root string

	// Allowed says whether host holds a URL record right now. Nil allows nothing.
	Allowed func(ctx context.Context, host string) bool
	// RateLimit is the most new issuances started per minute; 0 means DefaultRateLimit.
	RateLimit int
	// HTTPPort and TLSALPNPort are the ports the redirector listens on, where the CA
	// connects for the HTTP-01 (RFC 8555 section 8.3) and TLS-ALPN-01 (RFC 8737) challenges.
	HTTPPort, TLSALPNPort int
	// DisableHTTPChallenge leaves HTTP-01 out, for a redirector without an http listener
	// (certmagic would otherwise bind port 80 itself for the challenge).
	DisableHTTPChallenge bool

	// Logger receives certmagic's log; nil logs warnings and errors through CoreDNS's log.
	Logger *zap.Logger
}

// DefaultRateLimit is the number of new issuances per minute when Config.RateLimit is 0.
const DefaultRateLimit = 10

// DefaultRedisPrefix starts every Redis key when Config.RedisPrefix is empty.
const DefaultRedisPrefix = "hostdns:autocert:"

// storageSpec is a parsed Config.Storage.
type storageSpec struct {
	Kind string // "dir" or "redis"
	Path string // dir: the directory
	Addr string // redis: host:port
	DB   int    // redis: database number
}

// maxRedisDB bounds the database number: Redis's "databases" setting is a count of
// small integers (16 by default); a huge number is a typo.
const maxRedisDB = 1 << 16

// parseStorage parses a Storage value; root places the default directory.
func parseStorage(spec, root string) (storageSpec, error) {
	if spec == "" {
		return storageSpec{Kind: "dir", Path: filepath.Join(root, "autocert")}, nil
	}
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok {
		return storageSpec{}, fmt.Errorf("storage %q: want dir:/path or redis:ADDR[/DB]", spec)
	}
	switch kind {
	case "dir":
		if rest == "" {
			return storageSpec{}, errors.New("storage dir: needs a path")
		}
		return storageSpec{Kind: "dir", Path: filepath.Clean(rest)}, nil
	case "redis":
		return parseRedis(rest)
	}
	return storageSpec{}, fmt.Errorf("storage %q: unknown kind %q (want dir or redis)", spec, kind)
}

// parseRedis parses ADDR[/DB], ADDR being host:port ([v6]:port for IPv6).
func parseRedis(s string) (storageSpec, error) {
	addr, db := s, 0
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n < 0 || n >= maxRedisDB || s[i+1:] != strconv.Itoa(n) {
			return storageSpec{}, fmt.Errorf("storage redis:%s: database %q is not a number in 0..%d", s, s[i+1:], maxRedisDB-1)
		}
		addr, db = s[:i], n
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return storageSpec{}, fmt.Errorf("storage redis:%s: %v", s, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 || port != strconv.Itoa(p) {
		return storageSpec{}, fmt.Errorf("storage redis:%s: bad port %q", s, port)
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		return storageSpec{}, fmt.Errorf("storage redis:%s: bad host %q", s, host)
	}
	return storageSpec{Kind: "redis", Addr: net.JoinHostPort(host, port), DB: db}, nil
}

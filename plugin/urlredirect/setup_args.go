package urlredirect

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
)

// parseAddresses reads "address IP...": the addresses A and AAAA queries at URL names get.
func parseAddresses(c *caddy.Controller, r *Redirect) error {
	args := c.RemainingArgs()
	if len(args) == 0 {
		return c.ArgErr()
	}
	for _, a := range args {
		ip := net.ParseIP(a)
		switch {
		case ip == nil:
			return c.Errf("address: %q is not an IP address", a)
		case ip.To4() != nil:
			r.v4 = append(r.v4, ip.To4())
		default:
			r.v6 = append(r.v6, ip)
		}
	}
	return nil
}

// listenArgs reads "http ADDR..." or "https ADDR...": host:port or :port, port 1-65535.
func listenArgs(c *caddy.Controller, have []string) ([]string, error) {
	prop := c.Val()
	args := c.RemainingArgs()
	if len(args) == 0 {
		return nil, c.ArgErr()
	}
	for _, a := range args {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, c.Errf("%s: %q is not HOST:PORT or :PORT", prop, a)
		}
		if host != "" && net.ParseIP(host) == nil && host != "localhost" {
			return nil, c.Errf("%s: %q: the host must be an IP address", prop, a)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, c.Errf("%s: port %q is not a number from 1 to 65535", prop, port)
		}
		have = append(have, a)
	}
	return have, nil
}

// durationArg reads the one argument of the current property as a Go duration from lo to
// an hour.
func durationArg(c *caddy.Controller, lo time.Duration) (time.Duration, error) {
	prop := c.Val()
	args := c.RemainingArgs()
	if len(args) != 1 {
		return 0, c.ArgErr()
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d < lo || d > time.Hour {
		return 0, c.Errf("%s: %q is not a duration from %s to 1h", prop, args[0], lo)
	}
	return d, nil
}

// parseCertSource reads "cert_source NAME [ARGS...] [{ KEY [VALUES...] ... }]".
func parseCertSource(c *caddy.Controller) (*CertSourceConfig, error) {
	args := c.RemainingArgs()
	if len(args) == 0 {
		return nil, c.Err("cert_source: want NAME [ARGS...]")
	}
	sc := &CertSourceConfig{Name: args[0], Args: args[1:], Options: map[string][]string{}}
	for c.NextBlock() {
		k := c.Val()
		if _, dup := sc.Options[k]; dup {
			return nil, c.Errf("cert_source %s: %q given twice", sc.Name, k)
		}
		sc.Options[k] = c.RemainingArgs()
	}
	return sc, nil
}

// certs checks the https configuration and makes its certificate source: files, a
// registered source, or both (files first for the names they cover).
func (r *Redirect) certs(c *caddy.Controller, cfg *serverConfig, files []string, tlsLine int, sc *CertSourceConfig, srcLine int) error {
	if len(files) > 0 {
		fc, err := LoadFileCerts(files...)
		if err != nil {
			return lineErr(c, tlsLine, "tls: %v", err)
		}
		cfg.certs.files = fc
	}
	if sc != nil {
		f, ok := certSource(sc.Name)
		if !ok {
			return lineErr(c, srcLine, "cert_source: no certificate source %q in this build", sc.Name)
		}
		sc.Zones = r.zones.Names()
		sc.Allowed = r.Allowed
		sc.HTTPAddrs, sc.HTTPSAddrs = cfg.httpAddrs, cfg.httpsAddrs
		sc.Root = dnsserver.GetConfig(c).Root
		src, err := f(*sc)
		if err != nil {
			return lineErr(c, srcLine, "cert_source %s: %v", sc.Name, err)
		}
		cfg.source, cfg.certs.source = src, src
	}
	hasCerts := cfg.certs.files != nil || cfg.certs.source != nil
	switch {
	case len(cfg.httpsAddrs) > 0 && !hasCerts:
		return c.Err("https listeners need certificates: add tls CERT-FILE KEY-FILE or cert_source")
	case len(cfg.httpsAddrs) == 0 && hasCerts:
		if cfg.source != nil {
			cfg.source.Stop()
		}
		return c.Err("tls and cert_source need an https listener")
	}
	return nil
}

// lineErr is c.Errf for a property on an earlier line of the block.
func lineErr(c *caddy.Controller, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d - Error during parsing: %s", c.File(), line, fmt.Sprintf(format, args...))
}

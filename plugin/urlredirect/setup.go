package urlredirect

import (
	"net"
	"net/http"
	"os"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/propargs"
)

func init() { plugin.Register("urlredirect", setup) }

const (
	defaultMemo  = 250 * time.Millisecond
	memoCapacity = 10000
)

func setup(c *caddy.Controller) error {
	r, err := parse(c)
	if err != nil {
		return plugin.Error("urlredirect", err)
	}
	if s := r.srv; s != nil {
		// A reload stops this instance's listeners before the new instance binds the same
		// addresses (OnRestart), and restarts them if the reload fails. OnShutdown runs
		// when the instance is gone for good: after a successful reload or at exit.
		c.OnStartup(s.start)
		c.OnRestart(func() error { s.stop(); return nil })
		c.OnRestartFailed(s.start)
		c.OnShutdown(func() error {
			s.stop()
			if s.cfg.source != nil {
				s.cfg.source.Stop()
			}
			return nil
		})
	}
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		r.Next = next
		return r
	})
	return nil
}

// parse reads the urlredirect block; see README.md for the syntax.
func parse(c *caddy.Controller) (*Redirect, error) {
	r := &Redirect{memoWindow: defaultMemo}
	cfg := serverConfig{
		maxConns: defaultMaxConns, readTimeout: defaultReadTimeout,
		writeTimeout: defaultWriteTimeout, idleTimeout: defaultIdleTimeout,
	}
	var (
		certFiles   []string
		srcConf     *CertSourceConfig
		srcLine     int
		logAccess   bool
		tlsLine     int
		upgradeLine int
	)
	i := 0
	for c.Next() {
		if i > 0 {
			return nil, plugin.ErrOnce
		}
		i++
		r.zones = chainlookup.NewZones(plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys))
		for c.NextBlock() {
			var err error
			switch c.Val() {
			case "address":
				err = parseAddresses(c, r)
			case "http":
				cfg.httpAddrs, err = listenArgs(c, cfg.httpAddrs)
			case "https":
				cfg.httpsAddrs, err = listenArgs(c, cfg.httpsAddrs)
			case "tls":
				args := c.RemainingArgs()
				if len(args) != 2 {
					return nil, c.Err("tls: want CERT-FILE KEY-FILE")
				}
				certFiles, tlsLine = append(certFiles, args...), c.Line()
			case "cert_source":
				if srcConf != nil {
					return nil, c.Err("cert_source: given twice")
				}
				srcLine = c.Line()
				srcConf, err = parseCertSource(c)
			case "https_upgrade":
				if len(c.RemainingArgs()) != 0 {
					return nil, c.ArgErr()
				}
				r.upgrade, upgradeLine = true, c.Line()
			case "access_log":
				if len(c.RemainingArgs()) != 0 {
					return nil, c.ArgErr()
				}
				logAccess = true
			case "max_connections":
				cfg.maxConns, err = propargs.Int(c, 1, 1<<20)
			case "read_timeout":
				cfg.readTimeout, err = durationArg(c, time.Millisecond)
			case "write_timeout":
				cfg.writeTimeout, err = durationArg(c, time.Millisecond)
			case "idle_timeout":
				cfg.idleTimeout, err = durationArg(c, time.Millisecond)
			case "memo":
				r.memoWindow, err = durationArg(c, 0)
			default:
				return nil, c.Errf("unknown property %q", c.Val())
			}
			if err != nil {
				return nil, err
			}
		}
	}
	r.memo = chainlookup.NewMemo[*target](r.memoWindow, memoCapacity)
	if err := r.certs(c, &cfg, certFiles, tlsLine, srcConf, srcLine); err != nil {
		return nil, err
	}
	if err := r.listeners(c, cfg, upgradeLine, logAccess); err != nil {
		return nil, err
	}
	return r, nil
}

// listeners sets up the redirector on the listeners of cfg, if any (none: the DNS half
// only), once the properties are read: https_upgrade needs an https listener.
func (r *Redirect) listeners(c *caddy.Controller, cfg serverConfig, upgradeLine int, logAccess bool) error {
	if r.upgrade {
		if len(cfg.httpsAddrs) == 0 {
			return lineErr(c, upgradeLine, "https_upgrade needs an https listener")
		}
		_, r.httpsPort, _ = net.SplitHostPort(cfg.httpsAddrs[0])
	}
	if len(cfg.httpAddrs)+len(cfg.httpsAddrs) == 0 {
		return nil
	}
	var h http.Handler = r
	if logAccess {
		h = &accessLog{next: h, out: os.Stdout, now: time.Now}
	}
	r.srv = &servers{cfg: cfg, handler: h}
	return nil
}

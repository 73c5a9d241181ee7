package alias

import (
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/parse"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/propargs"
)

func init() { plugin.Register("alias", setup) }

// Defaults. Upstream attempts are short: a client waits for the whole ALIAS lookup, and on
// failure stale addresses are a better answer than a late one.
const (
	defaultTimeout  = 500 * time.Millisecond
	defaultRetries  = 2
	defaultMaxChain = 8
	defaultStale    = time.Hour
	defaultCapacity = 10000
	defaultNegCap   = 300 // seconds
	defaultMemo     = time.Second
	resolvConf      = "/etc/resolv.conf"
)

func setup(c *caddy.Controller) error {
	a, err := parseAlias(c)
	if err != nil {
		return plugin.Error("alias", err)
	}
	c.OnStartup(func() error { a.up.start(); return nil })
	c.OnShutdown(func() error { a.up.stop(); return nil })

	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		a.Next = next
		return a
	})
	return nil
}

// parseAlias reads the alias block; see README.md for the syntax.
func parseAlias(c *caddy.Controller) (*Alias, error) {
	a := &Alias{
		maxChain:   defaultMaxChain,
		stale:      defaultStale,
		negCap:     defaultNegCap,
		now:        time.Now,
		memoWindow: defaultMemo,
	}
	var (
		addrs    []string
		timeout  = defaultTimeout
		retries  = defaultRetries
		capacity = defaultCapacity
	)
	i := 0
	for c.Next() {
		if i > 0 {
			return nil, plugin.ErrOnce
		}
		i++
		a.zones = chainlookup.NewZones(plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys))
		a.served = chainlookup.NewZones(plugin.OriginsFromArgsOrServerBlock(nil, c.ServerBlockKeys))

		for c.NextBlock() {
			var err error
			switch c.Val() {
			case "upstream":
				args := c.RemainingArgs()
				if len(args) == 0 {
					return nil, c.ArgErr()
				}
				if addrs, err = parse.HostPortOrFile(args...); err != nil {
					return nil, c.Errf("upstream: %v", err)
				}
			case "timeout":
				timeout, err = durationArg(c)
			case "retries":
				retries, err = propargs.Int(c, 0, 10)
			case "max_chain":
				a.maxChain, err = propargs.Int(c, 1, 64)
			case "serve_stale":
				a.stale, err = durationArg(c, true)
			case "cache":
				capacity, err = propargs.Int(c, 1, 10_000_000)
			case "memo":
				a.memoWindow, err = durationArg(c, true)
				if err == nil && a.memoWindow > time.Hour {
					err = c.Errf("memo: %s is longer than 1h", a.memoWindow)
				}
			case "negative_ttl":
				var d time.Duration
				if d, err = durationArg(c, true); err == nil {
					a.negCap = uint32(d / time.Second)
				}
			default:
				return nil, c.Errf("unknown property %q", c.Val())
			}
			if err != nil {
				return nil, err
			}
		}
	}

	if addrs == nil {
		var err error
		if addrs, err = parse.HostPortOrFile(resolvConf); err != nil {
			// A server whose ALIAS targets are all in its own zones needs no resolver.
			log.Warningf("No upstream set and %s unusable (%v): only targets in served zones resolve", resolvConf, err)
		}
	}
	a.up = newUpstreams(addrs, timeout, retries)
	a.cache = newCache(capacity)
	a.memo = chainlookup.NewMemo[known](a.memoWindow, capacity)
	return a, nil
}

// durationArg reads the one argument of the current property as a Go duration ("250ms",
// "1h"). It must be positive; zero is allowed where zeroOK says so.
func durationArg(c *caddy.Controller, zeroOK ...bool) (time.Duration, error) {
	prop := c.Val()
	args := c.RemainingArgs()
	if len(args) != 1 {
		return 0, c.ArgErr()
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return 0, c.Errf("%s: %v", prop, err)
	}
	if d < 0 || (d == 0 && (len(zeroOK) == 0 || !zeroOK[0])) || d > 24*time.Hour*365 {
		return 0, c.Errf("%s: %s out of range", prop, args[0])
	}
	return d, nil
}

package pool

import (
	"strconv"
	"strings"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/upstream"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
)

func init() { plugin.Register("pool", setup) }

const (
	defaultInterval = 10 * time.Second
	defaultTimeout  = 2 * time.Second
	defaultFails    = 2
	defaultMemo     = time.Second
	memoCapacity    = 10000
)

func setup(c *caddy.Controller) error {
	p, err := parsePool(c)
	if err != nil {
		return plugin.Error("pool", err)
	}
	if p.health != nil {
		c.OnStartup(func() error { p.health.start(); return nil })
		c.OnShutdown(func() error { p.health.shutdown(); return nil })
	}
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		p.Next = next
		return p
	})
	return nil
}

// parsePool reads the pool block; see README.md for the syntax.
func parsePool(c *caddy.Controller) (*Pool, error) {
	p := &Pool{weighted: true, upstream: upstream.New(), memoWindow: defaultMemo}
	var (
		kind, path        string
		port              int
		interval, timeout = defaultInterval, defaultTimeout
		fails             = defaultFails
		timing            bool // interval or timeout given
	)
	i := 0
	for c.Next() {
		if i > 0 {
			return nil, plugin.ErrOnce
		}
		i++
		p.zones = chainlookup.NewZones(plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys))

		for c.NextBlock() {
			var err error
			switch c.Val() {
			case "policy":
				args := c.RemainingArgs()
				if len(args) != 1 {
					return nil, c.ArgErr()
				}
				switch args[0] {
				case "weighted":
					p.weighted = true
				case "uniform":
					p.weighted = false
				default:
					return nil, c.Errf("policy: %q is neither weighted nor uniform", args[0])
				}
			case "health":
				if kind != "" {
					return nil, c.Err("health: given twice")
				}
				kind, port, path, err = parseHealth(c)
			case "member_metrics":
				if len(c.RemainingArgs()) != 0 {
					return nil, c.ArgErr()
				}
				p.memberMetrics = true
			case "memo":
				args := c.RemainingArgs()
				if len(args) != 1 {
					return nil, c.ArgErr()
				}
				d, perr := time.ParseDuration(args[0])
				if perr != nil || d < 0 || d > time.Hour {
					return nil, c.Errf("memo: %q is not a duration from 0s to 1h", args[0])
				}
				p.memoWindow = d
			case "fails":
				args := c.RemainingArgs()
				if len(args) != 1 {
					return nil, c.ArgErr()
				}
				n, perr := strconv.Atoi(args[0])
				if perr != nil || n < 1 || n > 100 {
					return nil, c.Errf("fails: %q is not a number from 1 to 100", args[0])
				}
				fails, timing = n, true
			case "interval":
				interval, err = durationArg(c)
				timing = true
			case "timeout":
				timeout, err = durationArg(c)
				timing = true
			default:
				return nil, c.Errf("unknown property %q", c.Val())
			}
			if err != nil {
				return nil, err
			}
		}
	}
	p.memo = chainlookup.NewMemo[*pool](p.memoWindow, memoCapacity)
	if kind == "" {
		if timing {
			return nil, c.Err("interval, timeout and fails need a health check: add health tcp|http PORT")
		}
		return p, nil
	}
	if timeout > interval {
		return nil, c.Errf("timeout %s is longer than interval %s", timeout, interval)
	}
	p.health = newChecker(kind, port, path, interval, timeout, fails, p.memberMetrics)
	p.up = p.health.up
	return p, nil
}

// parseHealth reads "health tcp PORT" or "health http PORT [PATH]".
func parseHealth(c *caddy.Controller) (kind string, port int, path string, err error) {
	args := c.RemainingArgs()
	if len(args) < 2 {
		return "", 0, "", c.ArgErr()
	}
	kind = args[0]
	switch {
	case kind == "tcp" && len(args) == 2:
	case kind == "http" && len(args) <= 3:
		path = "/"
		if len(args) == 3 {
			path = args[2]
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n#") {
			return "", 0, "", c.Errf("health: path %q must start with / and have no blanks", path)
		}
	case kind != "tcp" && kind != "http":
		return "", 0, "", c.Errf("health: %q is neither tcp nor http", kind)
	default:
		return "", 0, "", c.ArgErr()
	}
	port, perr := strconv.Atoi(args[1])
	if perr != nil || port < 1 || port > 65535 {
		return "", 0, "", c.Errf("health: port %q is not a number from 1 to 65535", args[1])
	}
	return kind, port, path, nil
}

// durationArg reads the one argument of the current property as a positive Go duration
// ("500ms", "10s"), at most a day.
func durationArg(c *caddy.Controller) (time.Duration, error) {
	prop := c.Val()
	args := c.RemainingArgs()
	if len(args) != 1 {
		return 0, c.ArgErr()
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return 0, c.Errf("%s: %v", prop, err)
	}
	if d <= 0 || d > 24*time.Hour {
		return 0, c.Errf("%s: %s out of range", prop, args[0])
	}
	return d, nil
}

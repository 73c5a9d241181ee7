package secondaryfeed

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"
	pkgparse "github.com/coredns/coredns/plugin/pkg/parse"
	"github.com/coredns/coredns/plugin/pkg/transport"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

// config is what the Corefile says besides the zones.
type config struct {
	redisAddr, redisPrefix string
	journal                journal.Options
	poll                   time.Duration
	allow                  []netip.Prefix
	to                     []string
}

// parse reads the plugin's one block of a server block.
func parse(c *caddy.Controller) (zones []string, cfg config, err error) {
	cfg.poll = time.Second
	for i := 0; c.Next(); i++ {
		if i > 0 {
			return nil, cfg, plugin.ErrOnce
		}
		zones = plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys)
		for c.NextBlock() {
			if err := parseOption(c, &cfg); err != nil {
				return nil, cfg, err
			}
		}
	}
	return zones, cfg, nil
}

func parseOption(c *caddy.Controller, cfg *config) error {
	name := c.Val()
	args := c.RemainingArgs()
	switch name {
	case "redis":
		if len(args) < 1 || len(args) > 2 {
			return c.ArgErr()
		}
		cfg.redisAddr, cfg.redisPrefix = args[0], journal.DefaultPrefix
		if len(args) == 2 {
			cfg.redisPrefix = args[1]
		}
	case "journal":
		return parseJournal(c, args, cfg)
	case "poll":
		if len(args) != 1 {
			return c.ArgErr()
		}
		d, err := time.ParseDuration(args[0])
		if err != nil || d <= 0 {
			return c.Errf("poll %q: want a positive duration such as 1s", args[0])
		}
		cfg.poll = d
	case "allow":
		return parseAllow(c, args, cfg)
	case "to":
		return parseTo(c, args, cfg)
	default:
		return c.Errf("unknown property %q", name)
	}
	return nil
}

// parseJournal reads "journal VERSIONS [BYTES]".
func parseJournal(c *caddy.Controller, args []string, cfg *config) error {
	if len(args) < 1 || len(args) > 2 {
		return c.ArgErr()
	}
	vals := make([]int, len(args))
	for i, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil || n <= 0 {
			return c.Errf("journal %q: want a positive number", a)
		}
		vals[i] = n
	}
	cfg.journal.Versions = vals[0]
	if len(vals) == 2 {
		cfg.journal.Bytes = vals[1]
	}
	return nil
}

// parseAllow reads "allow CIDR|IP...".
func parseAllow(c *caddy.Controller, args []string, cfg *config) error {
	if len(args) == 0 {
		return c.ArgErr()
	}
	for _, a := range args {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			ip, ierr := netip.ParseAddr(a)
			if ierr != nil {
				return c.Errf("allow %q: not an address or CIDR prefix", a)
			}
			p = netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen())
		}
		cfg.allow = append(cfg.allow, p.Masked())
	}
	return nil
}

// parseTo reads "to ADDR...", the NOTIFY targets (port 53 unless given).
func parseTo(c *caddy.Controller, args []string, cfg *config) error {
	if len(args) == 0 {
		return c.ArgErr()
	}
	for _, a := range args {
		hp, err := pkgparse.HostPort(a, transport.Port)
		if err != nil {
			return c.Errf("to %q: %v", a, err)
		}
		cfg.to = append(cfg.to, hp)
	}
	return nil
}

// allowPrefixes is the Policy of the Corefile's allow lines: the client's address must
// be inside one of prefixes. No prefix allows no one.
func allowPrefixes(prefixes []netip.Prefix) Policy {
	return func(state request.Request, _ string) bool {
		ip, err := netip.ParseAddr(state.IP())
		if err != nil {
			return false
		}
		ip = ip.Unmap()
		for _, p := range prefixes {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
}

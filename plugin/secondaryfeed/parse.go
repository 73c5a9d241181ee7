package secondaryfeed

import (
	"net"
	"strconv"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

// config is what the Corefile says besides the zones.
type config struct {
	redisAddr, redisPrefix string
	journal                journal.Options
	poll                   time.Duration
	policy                 access.Policy          // allow, key, to, notify_key
	keys                   map[string]xfrmeta.Key // tsig_key
	catalog                string                 // the catalog zone's name, "" for none
	report                 string                 // the HTTP address of the reports, "" for none
	discover               bool                   // feed every zone the data plugins list under the zones
}

// parse reads the plugin's one block of a server block.
func parse(c *caddy.Controller) (zones []string, cfg config, err error) {
	cfg.poll = time.Second
	cfg.keys = map[string]xfrmeta.Key{}
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
	if handled, err := cfg.policy.ParseDirective(c); handled {
		return err
	}
	name := c.Val()
	if name == "tsig_key" {
		return access.ParseTSIGKey(c, cfg.keys)
	}
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
	case "discover":
		if len(args) != 0 {
			return c.ArgErr()
		}
		cfg.discover = true
	case "catalog":
		return parseCatalog(c, args, cfg)
	case "report":
		return parseReport(c, args, cfg)
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

// parseCatalog reads "catalog NAME".
func parseCatalog(c *caddy.Controller, args []string, cfg *config) error {
	if len(args) != 1 {
		return c.ArgErr()
	}
	name := dns.CanonicalName(args[0])
	if _, ok := dns.IsDomainName(name); !ok || name == "." {
		return c.Errf("catalog %q: not a zone name", args[0])
	}
	cfg.catalog = name
	return nil
}

// parseReport reads "report ADDR", the HTTP address of the validation reports.
func parseReport(c *caddy.Controller, args []string, cfg *config) error {
	if len(args) != 1 {
		return c.ArgErr()
	}
	if _, _, err := net.SplitHostPort(args[0]); err != nil {
		return c.Errf("report %q: want host:port: %v", args[0], err)
	}
	cfg.report = args[0]
	return nil
}

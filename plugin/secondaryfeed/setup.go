package secondaryfeed

import (
	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/flatten"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
)

func init() { plugin.Register("secondaryfeed", setup) }

func setup(c *caddy.Controller) error {
	zones, cfg, err := parse(c)
	if err != nil {
		return plugin.Error("secondaryfeed", err)
	}
	// The server verifies incoming TSIG with the secrets it is created with: the
	// Corefile's keys are added now, before it is.
	if err := access.AddSecrets(dnsserver.GetConfig(c), cfg.keys); err != nil {
		return plugin.Error("secondaryfeed", err)
	}
	f := newFeed(fedAtStart(zones, cfg.discover))
	f.Poll = cfg.poll
	if cfg.discover {
		f.disc = newDiscovery(zones)
	}
	f.gate = &gate{corefile: cfg.policy, keys: cfg.keys}
	f.Allow = f.gate
	if cfg.catalog != "" {
		f.addCatalog(cfg.catalog)
	}
	var client *redis.Client
	if cfg.redisAddr != "" {
		client = redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
		f.Store = journal.NewRedis(client, cfg.redisPrefix, cfg.journal)
		f.checker = newChecker(f.next, flatten.NewRedis(client, cfg.redisPrefix))
	}
	if cfg.report != "" {
		f.report = &reportServer{addr: cfg.report, reports: f.reports}
	}
	l := &lifecycle{f: f, cfg: cfg, client: client, server: dnsserver.GetConfig(c)}
	c.OnStartup(l.startup)
	c.OnRestart(l.restart)
	c.OnRestartFailed(l.restartFailed)
	c.OnShutdown(l.shutdown)
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		f.Next = next
		return f
	})
	return nil
}

// next returns the chain below, for flatten's lookups.
func (f *Feed) next() plugin.Handler { return f.Next }

// reports returns the zones' validation reports.
func (f *Feed) reports() []report.Report {
	if f.checker == nil {
		return nil
	}
	return f.checker.all()
}

// fedAtStart returns the zones fed from the start: the Corefile's, but for the root zone
// with discover, where it only says "every zone listed".
func fedAtStart(zones []string, discover bool) []string {
	if !discover {
		return zones
	}
	var out []string
	for _, z := range zones {
		if z != "." {
			out = append(out, z)
		}
	}
	return out
}

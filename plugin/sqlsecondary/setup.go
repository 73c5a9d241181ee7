package sqlsecondary

import (
	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

func init() { plugin.Register("sqlsecondary", setup) }

func setup(c *caddy.Controller) error {
	cfg, err := parse(c)
	if err != nil {
		return plugin.Error("sqlsecondary", err)
	}
	store, err := sqlstore.Open(cfg.dialect, cfg.dsn)
	if err != nil {
		return plugin.Error("sqlsecondary", c.Errf("dsn: %v", err))
	}
	s := newSecondary(cfg, store)
	// Started on start-up and stopped on shutdown, which a reload runs for
	// the old instance: no goroutine or connection outlives it.
	c.OnStartup(func() error { s.start(); return nil })
	c.OnShutdown(func() error { s.stop(); return store.Close() })
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		s.Next = next
		return s
	})
	return nil
}

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
	s := newSecondary(cfg, nil)
	// The database is opened on start-up and everything closed on shutdown,
	// which a reload runs for the old instance: no goroutine or connection
	// outlives it, and a server that never starts opens nothing.
	c.OnStartup(func() error {
		store, err := sqlstore.Open(cfg.dialect, cfg.dsn)
		if err != nil {
			return plugin.Error("sqlsecondary", err)
		}
		s.attach(store)
		s.start()
		return nil
	})
	c.OnShutdown(func() error {
		s.stop()
		if s.db.Store != nil {
			return s.db.Close()
		}
		return nil
	})
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		s.Next = next
		return s
	})
	return nil
}

package sqlsecondary

import (
	"errors"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

func init() { plugin.Register("sqlsecondary", setup) }

func setup(c *caddy.Controller) error {
	cfg, err := parse(c)
	if err != nil {
		return plugin.Error("sqlsecondary", err)
	}
	if err := checkDSN(cfg); err != nil {
		return plugin.Error("sqlsecondary", c.Errf("dsn: %v", err))
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

// checkDSN has the driver read a MySQL or PostgreSQL DSN, so a typo fails at
// start-up, as sqlbackend's does. PostgreSQL's error may quote the DSN,
// password included, so it is not repeated.
func checkDSN(cfg config) error {
	switch cfg.dialect {
	case sqlstore.MySQL:
		_, err := mysql.ParseDSN(cfg.dsn)
		return err
	case sqlstore.Postgres:
		if _, err := pgx.ParseConfig(cfg.dsn); err != nil {
			return errors.New("not a valid PostgreSQL connection string (is the password URL-encoded?)")
		}
	}
	return nil
}

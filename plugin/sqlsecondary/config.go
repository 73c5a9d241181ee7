package sqlsecondary

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/plugin/pkg/sqlconf"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// config is what a sqlsecondary block says.
type config struct {
	dialect       sqlstore.Dialect
	dsn           string
	workers       int
	timeout       time.Duration // a whole transfer
	idle          time.Duration // one read of a transfer: a trickling primary
	maxRecords    int
	maxBytes      int64
	lease         time.Duration
	poll          time.Duration
	node          string
	autosecondary bool
	autoPort      string // the port supermasters answer on, 53 unless the Corefile says
}

// defaults are the values of a block that sets only driver and dsn.
func defaults() config {
	host, _ := os.Hostname()
	return config{
		workers:    16,
		timeout:    30 * time.Second,
		idle:       10 * time.Second,
		maxRecords: 1000000,
		maxBytes:   256 << 20,
		lease:      10 * time.Second,
		poll:       time.Second,
		node:       fmt.Sprintf("%s:%d", host, os.Getpid()),
	}
}

// parse reads the plugin's one block:
//
//	sqlsecondary {
//	    driver mysql|postgres|sqlite
//	    dsn DSN
//	    workers N
//	    timeout DURATION
//	    max_records N
//	    max_bytes N
//	    lease DURATION
//	    poll DURATION
//	    node NAME
//	    autosecondary [PORT]
//	}
func parse(c *caddy.Controller) (config, error) {
	cfg := defaults()
	blocks := 0
	for c.Next() {
		if blocks++; blocks > 1 {
			return cfg, c.Err("sqlsecondary may appear once per server block")
		}
		if args := c.RemainingArgs(); len(args) > 0 {
			return cfg, c.Errf("sqlsecondary takes no arguments, got %q: the zones are the SLAVE rows of the database", args[0])
		}
		for c.NextBlock() {
			if err := parseProperty(c, &cfg); err != nil {
				return cfg, err
			}
		}
	}
	if cfg.dialect == "" {
		return cfg, c.Err("missing 'driver' (mysql, postgres or sqlite)")
	}
	if cfg.dsn == "" {
		return cfg, c.Err("missing 'dsn'")
	}
	return cfg, nil
}

func parseProperty(c *caddy.Controller, cfg *config) error {
	prop := c.Val()
	args := c.RemainingArgs()
	one := func() (string, error) {
		if len(args) != 1 {
			return "", c.Errf("%s: want one argument, got %d", prop, len(args))
		}
		return args[0], nil
	}
	dur := func() (time.Duration, error) {
		s, err := one()
		if err != nil {
			return 0, err
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return 0, c.Errf("%s: want a positive duration (10s, 1m), got %q", prop, s)
		}
		return d, nil
	}
	count := func(max int64) (int64, error) {
		s, err := one()
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 || n > max {
			return 0, c.Errf("%s: want a whole number from 1 to %d, got %q", prop, max, s)
		}
		return n, nil
	}
	var err error
	switch prop {
	case "driver":
		cfg.dialect, err = sqlconf.Driver(c, args)
	case "dsn":
		cfg.dsn, err = sqlconf.DSN(c, args)
	case "workers":
		var n int64
		n, err = count(100000)
		cfg.workers = int(n)
	case "timeout":
		cfg.timeout, err = dur()
	case "max_records":
		var n int64
		n, err = count(1 << 31)
		cfg.maxRecords = int(n)
	case "max_bytes":
		cfg.maxBytes, err = count(1 << 40)
	case "lease":
		cfg.lease, err = dur()
		if err == nil && cfg.lease < time.Second {
			err = c.Errf("lease: want at least 1s, got %s: it is renewed every third of it, through the database", cfg.lease)
		}
	case "poll":
		cfg.poll, err = dur()
	case "node":
		cfg.node, err = one()
		if err == nil && len(cfg.node) > 255 {
			err = c.Errf("node: a name of at most 255 bytes, got %d", len(cfg.node))
		}
	case "autosecondary":
		if len(args) > 1 {
			return c.Errf("autosecondary: want at most a PORT, got %d words", len(args))
		}
		cfg.autosecondary, cfg.autoPort = true, "53"
		if len(args) == 1 {
			if n, perr := strconv.Atoi(args[0]); perr != nil || n < 1 || n > 65535 {
				return c.Errf("autosecondary: port %q is not a number from 1 to 65535", args[0])
			}
			cfg.autoPort = args[0]
		}
	default:
		return c.Errf("unknown property '%s'", prop)
	}
	return err
}

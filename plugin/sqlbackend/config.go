package sqlbackend

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/sqlconf"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// config is what the Corefile says. Instances with equal configs share one
// source (see acquire).
type config struct {
	dialect       sqlstore.Dialect
	dsn           string
	seed          string
	ensureSchema  bool
	poll          time.Duration
	gapTimeout    time.Duration
	keep          int64
	redisAddr     string
	redisChannel  string
	maxRecords    int           // 0: every zone in memory; else lazy load and LRU eviction
	snapshot      string        // with maxRecords: a local copy to load cold zones from during an outage
	detect        string        // detectLog, or detectChecksum for a database without the change log
	checksumEvery time.Duration // with detectChecksum: the interval between comparisons
}

// Defaults; see README.md for why.
const (
	defaultPoll       = 200 * time.Millisecond
	defaultGapTimeout = 5 * time.Second
	defaultKeep       = 100000
	defaultChannel    = "hostdns:sqlbackend:changes"
)

// parse reads
//
//	sqlbackend [ZONES...] {
//	    driver mysql|postgres|sqlite
//	    dsn DSN
//	    ...
//	}
func parse(c *caddy.Controller) (*SQLBackend, config, error) {
	cfg := config{
		ensureSchema: true,
		poll:         defaultPoll,
		gapTimeout:   defaultGapTimeout,
		keep:         defaultKeep,
		detect:       detectLog,
	}
	schemaSet := false
	b := &SQLBackend{}
	seen := false
	for c.Next() {
		if seen {
			return nil, cfg, plugin.ErrOnce
		}
		seen = true
		b.Origins = chainlookup.NewZones(plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys))
		for c.NextBlock() {
			if err := parseProperty(c, b, &cfg, &schemaSet); err != nil {
				return nil, cfg, err
			}
		}
	}
	if err := checkConfig(c, &cfg, schemaSet); err != nil {
		return nil, cfg, err
	}
	return b, cfg, nil
}

// parseProperty reads the property at c into cfg, or b.
func parseProperty(c *caddy.Controller, b *SQLBackend, cfg *config, schemaSet *bool) error {
	prop := c.Val()
	args := c.RemainingArgs()
	one := func() (string, error) {
		if len(args) != 1 {
			return "", c.ArgErr()
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
			return 0, c.Errf("%s: want a positive duration, got %q", prop, s)
		}
		return d, nil
	}
	var err error
	switch prop {
	case "driver":
		cfg.dialect, err = sqlconf.Driver(c, args)
	case "dsn":
		cfg.dsn, err = sqlconf.DSN(c, args)
	case "seed":
		cfg.seed, err = one()
	case "schema":
		var s string
		if s, err = one(); err == nil {
			*schemaSet = true
			cfg.ensureSchema, err = s == "ensure", nil
			if s != "ensure" && s != "none" {
				err = c.Errf("schema: want ensure or none, got %q", s)
			}
		}
	case "poll":
		cfg.poll, err = dur()
	case "detect":
		err = parseDetect(c, args, cfg)
	case "gap_timeout":
		cfg.gapTimeout, err = dur()
	case "keep":
		var s string
		if s, err = one(); err == nil {
			cfg.keep, err = strconv.ParseInt(s, 10, 64)
			if err != nil || cfg.keep < 0 {
				err = c.Errf("keep: want a number of changes >= 0, got %q", s)
			}
		}
	case "max_records":
		var s string
		if s, err = one(); err == nil {
			cfg.maxRecords, err = strconv.Atoi(s)
			if err != nil || cfg.maxRecords < 1 {
				err = c.Errf("max_records: want a number of records >= 1, got %q", s)
			}
		}
	case "snapshot":
		cfg.snapshot, err = one()
	case "redis":
		err = parseRedis(c, args, cfg)
	case "fallthrough":
		b.Fall.SetZonesFromArgs(args)
	default:
		err = c.Errf("unknown property '%s'", prop)
	}
	return err
}

// parseRedis reads "redis ADDRESS [CHANNEL]".
func parseRedis(c *caddy.Controller, args []string, cfg *config) error {
	if len(args) < 1 || len(args) > 2 {
		return c.ArgErr()
	}
	cfg.redisAddr, cfg.redisChannel = args[0], defaultChannel
	if len(args) == 2 {
		cfg.redisChannel = args[1]
	}
	if !strings.Contains(cfg.redisAddr, ":") {
		return c.Errf("redis: want host:port, got %q", cfg.redisAddr)
	}
	return nil
}

// checkConfig checks what the properties say together.
func checkConfig(c *caddy.Controller, cfg *config, schemaSet bool) error {
	if cfg.dialect == "" {
		return c.Err("missing 'driver' (mysql, postgres or sqlite)")
	}
	if cfg.dsn == "" {
		return c.Err("missing 'dsn'")
	}
	if cfg.snapshot != "" && cfg.maxRecords == 0 {
		return c.Err("'snapshot' needs 'max_records': without it every zone is in memory already")
	}
	if cfg.seed != "" && cfg.dialect != sqlstore.SQLite {
		return c.Err("'seed' is only for driver sqlite: load a MySQL or PostgreSQL database with its own client")
	}
	if err := checkDetect(c, cfg, schemaSet); err != nil {
		return err
	}
	if err := checkDSN(cfg.dialect, cfg.dsn); err != nil {
		return c.Errf("dsn: %v", err)
	}
	return nil
}

// key identifies the configs that share one source.
func (c config) key() string {
	return fmt.Sprintf("%s|%s|%s|%s|%t|%s|%s|%s|%d|%d|%s|%s", c.dialect, c.dsn, c.seed, c.poll, c.ensureSchema, c.gapTimeout, c.redisAddr, c.redisChannel, c.keep, c.maxRecords, c.snapshot, c.detect)
}

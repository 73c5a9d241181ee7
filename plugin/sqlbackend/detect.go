package sqlbackend

import (
	"time"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// How the feed learns which zones changed: from the change log the triggers
// fill (detectLog), or, for an account that may not add triggers, by
// comparing a fingerprint of every zone at an interval (detectChecksum).
const (
	detectLog      = "log"
	detectChecksum = "checksum"
)

// defaultChecksumEvery is detect checksum's interval: each comparison scans
// every records row (about 0.15 s of database time at 100,000 records, see
// README.md), so it is far longer than the change log's poll.
const defaultChecksumEvery = 5 * time.Second

// parseDetect reads "detect log" or "detect checksum [INTERVAL]".
func parseDetect(c *caddy.Controller, args []string, cfg *config) error {
	if len(args) == 0 || len(args) > 2 {
		return c.ArgErr()
	}
	switch args[0] {
	case detectLog:
		if len(args) > 1 {
			return c.ArgErr()
		}
		cfg.detect = detectLog
	case detectChecksum:
		cfg.detect, cfg.checksumEvery = detectChecksum, defaultChecksumEvery
		if len(args) == 2 {
			d, err := time.ParseDuration(args[1])
			if err != nil || d <= 0 {
				return c.Errf("detect checksum: want a positive duration, got %q", args[1])
			}
			cfg.checksumEvery = d
		}
	default:
		return c.Errf("detect: want log or checksum, got %q", args[0])
	}
	return nil
}

// checkDetect completes cfg for detect checksum, which has no change log: no
// schema to ensure, nothing to prune, no change id to publish on Redis.
func checkDetect(c *caddy.Controller, cfg *config, schemaSet bool) error {
	if cfg.detect != detectChecksum {
		return nil
	}
	switch {
	case cfg.dialect == sqlstore.SQLite:
		return c.Err("'detect checksum' is for MySQL and PostgreSQL: sqlbackend creates the change log in an SQLite file itself")
	case schemaSet && cfg.ensureSchema:
		return c.Err("'detect checksum' does without the change log: it cannot go with 'schema ensure'")
	case cfg.redisAddr != "":
		return c.Err("'detect checksum' cannot go with 'redis': there is no change log position to publish")
	}
	cfg.ensureSchema, cfg.keep, cfg.poll = false, 0, cfg.checksumEvery
	return nil
}

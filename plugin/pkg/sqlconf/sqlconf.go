// Package sqlconf reads the Corefile properties every plugin that opens the PowerDNS-schema
// database shares (sqlbackend, sqlsecondary): `driver` and `dsn`, the same words and the
// same errors in each, and a DSN's words never repeated in an error (they may hold a password).
package sqlconf

import (
	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// Driver reads `driver mysql|postgres|sqlite`, args being the words after it.
func Driver(c *caddy.Controller, args []string) (sqlstore.Dialect, error) {
	if len(args) != 1 {
		return "", c.Errf("driver: want one of mysql, postgres, sqlite, got %d words", len(args))
	}
	d, err := sqlstore.ParseDialect(args[0])
	if err != nil {
		return "", c.Errf("%v", err)
	}
	return d, nil
}

// DSN reads `dsn DSN`. Not c.ArgErr() and no %q of the words: a keyword/value DSN left
// unquoted ("dsn host=db user=pdns password=s3cret") would print its password.
func DSN(c *caddy.Controller, args []string) (string, error) {
	if len(args) != 1 {
		return "", c.Errf("dsn: want one argument, got %d words: quote a keyword/value DSN (dsn \"host=... dbname=...\")", len(args))
	}
	return args[0], nil
}

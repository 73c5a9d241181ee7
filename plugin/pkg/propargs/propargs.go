// Package propargs reads the one argument of a Corefile property as a bounded number or
// duration, with the same error in every plugin ("retries: "11" is not a number from 0 to
// 10", naming the line).
package propargs

import (
	"strconv"
	"time"

	"github.com/coredns/caddy"
)

// Int reads the one argument of the property c is at as an integer from lo to hi.
func Int(c *caddy.Controller, lo, hi int) (int, error) {
	prop := c.Val()
	args := c.RemainingArgs()
	if len(args) != 1 {
		return 0, c.ArgErr()
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < lo || n > hi {
		return 0, c.Errf("%s: %q is not a number from %d to %d", prop, args[0], lo, hi)
	}
	return n, nil
}

// Duration reads the one argument of the property c is at as a duration from lo to hi.
func Duration(c *caddy.Controller, lo, hi time.Duration) (time.Duration, error) {
	prop := c.Val()
	args := c.RemainingArgs()
	if len(args) != 1 {
		return 0, c.ArgErr()
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d < lo || d > hi {
		return 0, c.Errf("%s: %q is not a duration from %s to %s", prop, args[0], lo, hi)
	}
	return d, nil
}

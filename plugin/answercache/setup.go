package answercache

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
)

func init() { plugin.Register(name, setup) }

const (
	defaultSize   = 64 << 20
	minSize       = 1 << 20
	maxSize       = 64 << 30
	defaultMaxAge = time.Hour
	maxMaxAge     = 7 * 24 * time.Hour
)

func setup(c *caddy.Controller) error {
	ac, err := parse(c)
	if err != nil {
		return plugin.Error(name, err)
	}
	cfg := dnsserver.GetConfig(c)
	c.OnStartup(func() error {
		// The handlers of the block exist once the server is built, before startup.
		if ac.fast != nil {
			if blockers := fastBlockers(cfg); len(blockers) > 0 {
				return plugin.Error(name, fmt.Errorf("%s: fastpath: %s in this block must see every query, and the fast path answers hits before them", ac.fast.position, strings.Join(blockers, ", ")))
			}
			ac.fast.prom = promOf(cfg)
		}
		if above := writersAbove(cfg); len(above) > 0 {
			ac.slowHits = true
			log.Warningf("%s above answercache in this block rewrite answers as they are written: hits are unpacked and written as messages (slower)", strings.Join(above, ", "))
		}
		if fz, blocker := newFileZones(cfg); fz != nil {
			ac.files = fz
			fz.start()
		} else if blocker != "" && (cfg.Handler("file") != nil || cfg.Handler("auto") != nil) {
			log.Infof("Answers of file and auto zones are not cached: %s below answercache could answer for them", blocker)
		}
		ac.clock.start(func() { ac.metrics.gauges(ac.store) })
		return nil
	})
	// On a reload the old instance is shut down after the new one started: its goroutines
	// stop and its store is garbage.
	c.OnShutdown(func() error {
		if ac.fast != nil {
			ac.fast.stop()
		}
		ac.clock.halt()
		if ac.files != nil {
			ac.files.halt()
		}
		return nil
	})

	cfg.AddPlugin(func(next plugin.Handler) plugin.Handler {
		ac.Next = next
		return ac
	})
	return nil
}

// parse reads the answercache block; see README.md for the syntax.
func parse(c *caddy.Controller) (*Cache, error) {
	var (
		zones     []string
		size      = defaultSize
		maxAge    = defaultMaxAge
		admission = true
		fast      string // where fastpath was given
	)
	i := 0
	for c.Next() {
		if i > 0 {
			return nil, plugin.ErrOnce
		}
		i++
		zones = plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys)
		for c.NextBlock() {
			prop := c.Val()
			args := c.RemainingArgs()
			if prop == "fastpath" {
				if len(args) != 0 {
					return nil, c.Errf("fastpath: takes no value, got %d", len(args))
				}
				fast = fmt.Sprintf("%s:%d", c.File(), c.Line())
				continue
			}
			if len(args) != 1 {
				return nil, c.Errf("%s: want one value, got %d", prop, len(args))
			}
			var err error
			switch prop {
			case "size":
				size, err = parseSize(args[0])
			case "max_age":
				maxAge, err = time.ParseDuration(args[0])
				if err == nil && (maxAge < time.Second || maxAge > maxMaxAge) {
					err = fmt.Errorf("%s is not from 1s to %s", args[0], maxMaxAge)
				}
			case "admission":
				switch args[0] {
				case "on":
					admission = true
				case "off":
					admission = false
				default:
					err = fmt.Errorf("%q is neither on nor off", args[0])
				}
			default:
				return nil, c.Errf("unknown property %q", prop)
			}
			if err != nil {
				return nil, c.Errf("%s: %v", prop, err)
			}
		}
	}
	if len(zones) == 0 {
		zones = []string{"."}
	}
	for j, z := range zones {
		zones[j] = strings.ToLower(z)
	}
	ac := newCache(zones, size, maxAge, admission)
	if fast != "" {
		ac.fast = &fastPaths{c: ac, position: fast}
	}
	return ac, nil
}

// parseSize reads a byte count with an optional KiB, MiB or GiB suffix.
func parseSize(s string) (int, error) {
	mult := 1
	num := s
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > maxSize/int64(mult) {
		return 0, fmt.Errorf("%q is not a size like 64MiB (bytes, or KiB, MiB, GiB)", s)
	}
	if v := int(n) * mult; v >= minSize {
		return v, nil
	}
	return 0, fmt.Errorf("%q is below the minimum of 1MiB", s)
}

// safeAbove are the stock plugins that may sit above answercache and see a hit written
// as bytes: they do not change answers in WriteMsg (log and prometheus record them, and
// a hit that is not NOERROR is written to them as a message), or they never pass the requests a hit could answer
// (nsid's and tsig's are bypassed). abusepool is ours and reads the rcode from the bytes.
var safeAbove = map[string]bool{
	"root": true, "metadata": true, "geoip": true, "cancel": true, "proxyproto": true,
	"quic": true, "grpc_server": true, "https": true, "https3": true, "timeouts": true,
	"multisocket": true, "reload": true, "nsid": true, "bufsize": true, "bind": true,
	"debug": true, "trace": true, "ready": true, "health": true, "pprof": true, "shed": true,
	"prometheus": true, "errors": true, "abusepool": true, "log": true, "local": true,
	"any": true, "chaos": true, "tsig": true, "acl": true,
}

// writersAbove returns the plugins configured in the block above answercache that are not
// known to be safe: rewrite's reverter, dns64, siit, loadbalance, dnstap, autopath, and
// any plugin added to plugin.cfg above us later.
func writersAbove(cfg *dnsserver.Config) []string { return pluginsAbove(cfg, safeAbove) }

// pluginsAbove returns the plugins configured in the block above answercache that allowed
// does not name, in the chain's order.
func pluginsAbove(cfg *dnsserver.Config, allowed map[string]bool) []string {
	var found []string
	for _, d := range dnsserver.Directives {
		if d == name {
			break
		}
		if !allowed[d] && cfg.Handler(d) != nil {
			found = append(found, d)
		}
	}
	return found
}

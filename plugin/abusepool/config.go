package abusepool

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/abusepool/api"
	"github.com/hostdns/hostdns/plugin/abusepool/dynamic"
	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/kernelfilter"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/pkg/propargs"
)

// Defaults of the block's properties; README.md explains each.
const (
	defaultWindow      = 60 * time.Second
	defaultBuckets     = 12
	defaultCapacity    = 1000
	defaultGroupLabels = 3
	defaultQueue       = 65536
	defaultLimiterKeys = 100000
	defaultRedisPrefix = "hostdns:abusepool:"
	maxPoolNameLen     = 64
	maxEntries         = 10_000_000 // per top list over all buckets: bounds the inspection's memory
)

// config is one abusepool block, parsed and checked.
type config struct {
	inspect     inspect.Config
	apiAddr     string // "" when no API
	apiLine     int
	token       string
	redisAddr   string // host:port or a redis:// URL; "" when no Redis
	redisPrefix string
	limiterKeys int
	pools       []poolConfig
	rules       []rules.Rule        // in the block's order: precedence
	thresholds  []dynamic.Threshold // in the block's order
	kernelDrop  bool                // drop rules' CIDRs also dropped by a socket filter
	kernelSamp  uint32              // 1 in kernelSamp of those packets let through; 0: none
}

// line remembers where a property was, for errors found once the whole block is read
// (a rule naming a pool defined below it).
type lined[T any] struct {
	v    T
	line int
}

// parse reads the abusepool block (README.md has the syntax). Errors name the line.
func parse(c *caddy.Controller, now time.Time) (*config, error) {
	cfg := &config{
		inspect: inspect.Config{
			Window: defaultWindow, Buckets: defaultBuckets, Capacity: defaultCapacity,
			GroupLabels: defaultGroupLabels, Queue: defaultQueue,
		},
		limiterKeys: defaultLimiterKeys,
		redisPrefix: defaultRedisPrefix,
	}
	var (
		ruleLines      []lined[rules.Rule]
		thresholdLines []lined[dynamic.Threshold]
		tokenLine      int
		seen           bool
		given          = map[string]int{} // line of each property that may be given once
	)
	for c.Next() {
		if seen {
			return nil, plugin.ErrOnce
		}
		seen = true
		if len(c.RemainingArgs()) != 0 {
			return nil, c.ArgErr()
		}
		for c.NextBlock() {
			var err error
			prop := c.Val()
			if first, ok := given[prop]; ok {
				return nil, c.Errf("%s: already given on line %d", prop, first)
			}
			if prop != "pool" && prop != "rule" && prop != "dynamic" {
				given[prop] = c.Line()
			}
			switch prop {
			case "window":
				cfg.inspect.Window, err = propargs.Duration(c, time.Second, 24*time.Hour)
			case "buckets":
				cfg.inspect.Buckets, err = propargs.Int(c, 1, 3600)
			case "capacity":
				cfg.inspect.Capacity, err = propargs.Int(c, 10, 1_000_000)
			case "group_labels":
				cfg.inspect.GroupLabels, err = propargs.Int(c, 1, 10)
			case "queue":
				cfg.inspect.Queue, err = propargs.Int(c, 16, 1<<24)
			case "budget":
				cfg.inspect.Budget, err = propargs.Int(c, 100, 100_000_000)
			case "limiter_keys":
				cfg.limiterKeys, err = propargs.Int(c, 1, 100_000_000)
			case "api":
				cfg.apiLine = c.Line()
				cfg.apiAddr, err = apiArg(c)
			case "token", "token_file":
				if tokenLine != 0 {
					return nil, c.Errf("%s: a token is already set on line %d", prop, tokenLine)
				}
				tokenLine = c.Line()
				cfg.token, err = tokenArg(c)
			case "kernel_drop":
				if !kernelfilter.Supported() {
					return nil, c.Errf("kernel_drop: %v", kernelfilter.ErrUnsupported)
				}
				cfg.kernelDrop = true
				cfg.kernelSamp, err = kernelDropArgs(c)
			case "redis":
				cfg.redisAddr, cfg.redisPrefix, err = redisArgs(c)
			case "pool":
				var p poolConfig
				if p, err = poolArgs(c); err == nil && cfg.poolExists(p.name) {
					err = c.Errf("pool %s: defined twice", p.name)
				}
				cfg.pools = append(cfg.pools, p)
			case "rule":
				line := c.Line()
				var r rules.Rule
				if r, err = rules.ParseCorefile(c.RemainingArgs(), now); err != nil {
					err = c.Errf("rule: %v", err)
				} else {
					r.Origin = rules.FromCorefile
					ruleLines = append(ruleLines, lined[rules.Rule]{r, line})
				}
			case "dynamic":
				line := c.Line()
				var t dynamic.Threshold
				if t, err = dynamic.ParseCorefile(c.RemainingArgs()); err != nil {
					err = c.Errf("dynamic: %v", err)
				} else {
					thresholdLines = append(thresholdLines, lined[dynamic.Threshold]{t, line})
				}
			default:
				return nil, c.Errf("unknown property %q", prop)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if err := cfg.check(c, ruleLines, thresholdLines, tokenLine); err != nil {
		return nil, err
	}
	return cfg, nil
}

// check does what needs the whole block: rules and thresholds may name a pool defined
// below them, the window bounds the thresholds', and a token needs an API.
func (cfg *config) check(c *caddy.Controller, rs []lined[rules.Rule], ts []lined[dynamic.Threshold], tokenLine int) error {
	if tokenLine != 0 && cfg.apiAddr == "" {
		return lineErr(c, tokenLine, "a token without an api address has nothing to protect")
	}
	if cfg.apiAddr != "" {
		// The API's own rules: a non-loopback address needs a token.
		if _, err := api.New(cfg.apiAddr, cfg.token, backend{}); err != nil {
			return lineErr(c, cfg.apiLine, "api: %v", err)
		}
	}
	if cfg.inspect.Window/time.Duration(cfg.inspect.Buckets) < 100*time.Millisecond {
		return c.Errf("window %s over %d buckets makes buckets shorter than 100ms", cfg.inspect.Window, cfg.inspect.Buckets)
	}
	if n := cfg.inspect.Buckets * cfg.inspect.Capacity; n > maxEntries {
		return c.Errf("buckets %d × capacity %d is %d entries per list, more than %d", cfg.inspect.Buckets, cfg.inspect.Capacity, n, maxEntries)
	}
	exists := cfg.poolExists
	ids := map[string]int{}
	for _, r := range rs {
		if err := r.v.Validate(exists); err != nil {
			return lineErr(c, r.line, "rule: %v", err)
		}
		if first, dup := ids[r.v.ID]; dup {
			return lineErr(c, r.line, "rule %q: the id is already used on line %d", r.v.ID, first)
		}
		ids[r.v.ID] = r.line
		cfg.rules = append(cfg.rules, r.v)
	}
	for _, t := range ts {
		if t.v.Window > cfg.inspect.Window {
			return lineErr(c, t.line, "dynamic %s: its window %s is longer than the inspection window %s", t.v.Trigger, t.v.Window, cfg.inspect.Window)
		}
		if t.v.Labels > cfg.inspect.GroupLabels {
			return lineErr(c, t.line, "dynamic %s: %d labels, but names are grouped by at most group_labels %d", t.v.Trigger, t.v.Labels, cfg.inspect.GroupLabels)
		}
		if t.v.Action == rules.Pool && !exists(t.v.Pool) {
			return lineErr(c, t.line, "dynamic %s: no pool %q is defined in this block", t.v.Trigger, t.v.Pool)
		}
		cfg.thresholds = append(cfg.thresholds, t.v)
	}
	return nil
}

func (cfg *config) poolExists(name string) bool {
	for _, p := range cfg.pools {
		if p.name == name {
			return true
		}
	}
	return false
}

// apiArg reads "api ADDRESS": host:port, the host an IP address or localhost.
func apiArg(c *caddy.Controller) (string, error) {
	args := c.RemainingArgs()
	if len(args) != 1 {
		return "", c.ArgErr()
	}
	host, port, err := net.SplitHostPort(args[0])
	if err != nil {
		return "", c.Errf("api: %q is not HOST:PORT: %v", args[0], err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", c.Errf("api: %q: the port is not a number from 0 to 65535", args[0])
	}
	if _, err := netip.ParseAddr(host); err != nil && host != "" && host != "localhost" {
		return "", c.Errf("api: %q: the host is not an IP address or localhost", args[0])
	}
	return args[0], nil
}

// tokenArg reads "token TOKEN" or "token_file PATH" (the file's first line).
func tokenArg(c *caddy.Controller) (string, error) {
	prop := c.Val()
	args := c.RemainingArgs()
	if len(args) != 1 {
		return "", c.ArgErr()
	}
	token := args[0]
	if prop == "token_file" {
		b, err := os.ReadFile(args[0])
		if err != nil {
			return "", c.Errf("token_file: %v", err)
		}
		token, _, _ = strings.Cut(string(b), "\n")
		token = strings.TrimSpace(token)
	}
	if len(token) < 16 {
		return "", c.Errf("%s: the token must be at least 16 characters", prop)
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return "", c.Errf("%s: the token must be printable ASCII without spaces", prop)
	}
	return token, nil
}

// kernelDropArgs reads "kernel_drop [sample N|off]": the filter lets a random 1 in N of the
// packets it drops through, for the handler to see the flood (default
// kernelfilter.DefaultSample); off (or 0) drops them all.
func kernelDropArgs(c *caddy.Controller) (uint32, error) {
	args := c.RemainingArgs()
	switch {
	case len(args) == 0:
		return kernelfilter.DefaultSample, nil
	case len(args) != 2 || args[0] != "sample":
		return 0, c.ArgErr()
	case args[1] == "off":
		return 0, nil
	}
	n, err := strconv.ParseUint(args[1], 10, 32)
	if err != nil || !kernelfilter.ValidSample(uint32(n)) {
		return 0, c.Errf("kernel_drop: sample %q is not off, 0 or a power of two from 2 to %d", args[1], kernelfilter.MaxSample)
	}
	return uint32(n), nil
}

// redisArgs reads "redis ADDRESS [PREFIX]".
func redisArgs(c *caddy.Controller) (addr, prefix string, err error) {
	args := c.RemainingArgs()
	if len(args) < 1 || len(args) > 2 {
		return "", "", c.ArgErr()
	}
	addr, prefix = args[0], defaultRedisPrefix
	if _, err := redisOptions(addr); err != nil {
		return "", "", c.Errf("redis: %v", err)
	}
	if len(args) == 2 {
		if prefix = args[1]; prefix == "" || len(prefix) > 128 {
			return "", "", c.Errf("redis: the key prefix must be 1 to 128 characters")
		}
	}
	return addr, prefix, nil
}

// poolArgs reads "pool NAME ADDRESS... [max_qps N] [health_check DURATION]".
func poolArgs(c *caddy.Controller) (poolConfig, error) {
	args := c.RemainingArgs()
	if len(args) < 2 {
		return poolConfig{}, c.Errf("pool: want NAME ADDRESS... [max_qps N] [health_check DURATION]")
	}
	p := poolConfig{name: args[0]}
	if !validPoolName(p.name) {
		return p, c.Errf("pool %q: a name is 1 to %d of a-z, 0-9, '.', '_' and '-'", p.name, maxPoolNameLen)
	}
	for i := 1; i < len(args); i++ {
		switch a := args[i]; a {
		case "max_qps", "health_check":
			if i+1 >= len(args) {
				return p, c.Errf("pool %s: %s wants a value", p.name, a)
			}
			i++
			if a == "max_qps" {
				n, err := strconv.ParseFloat(args[i], 64)
				if err != nil || !(n > 0 && n <= 10_000_000) {
					return p, c.Errf("pool %s: max_qps %q is not a number above 0 and at most 10000000", p.name, args[i])
				}
				p.maxQPS = n
				continue
			}
			d, err := time.ParseDuration(args[i])
			if err != nil || d < 10*time.Millisecond || d > time.Hour {
				return p, c.Errf("pool %s: health_check %q is not a duration from 10ms to 1h", p.name, args[i])
			}
			p.healthCheck = d
		default:
			addr, err := upstreamAddr(a)
			if err != nil {
				return p, c.Errf("pool %s: %v", p.name, err)
			}
			p.addrs = append(p.addrs, addr)
		}
	}
	if len(p.addrs) == 0 {
		return p, c.Errf("pool %s: no upstream address", p.name)
	}
	return p, nil
}

// upstreamAddr turns "192.0.2.1", "192.0.2.1:5353", "dns://[2001:db8::1]:53" into
// host:port. Only plain DNS: an abuse pool gets traffic nobody should pay TLS for.
func upstreamAddr(s string) (string, error) {
	a := strings.TrimPrefix(s, "dns://")
	if ip, err := netip.ParseAddr(strings.Trim(a, "[]")); err == nil {
		return netip.AddrPortFrom(ip, 53).String(), nil
	}
	ap, err := netip.ParseAddrPort(a)
	if err != nil || ap.Port() == 0 {
		return "", fmt.Errorf("%q is not an IP address or IP:PORT (plain DNS only)", s)
	}
	return ap.String(), nil
}

func validPoolName(s string) bool {
	if len(s) == 0 || len(s) > maxPoolNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}

// lineErr is c.Errf for a line read earlier.
func lineErr(c *caddy.Controller, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d - Error during parsing: %s", c.File(), line, fmt.Sprintf(format, args...))
}

package access

import (
	"net/netip"

	"github.com/coredns/caddy"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// Directives are the policy directives of a secondaryfeed block, default or
// per zone, that ParseDirective reads:
//
//	allow CIDR|ADDR|*...   sources that may transfer without TSIG (* is any)
//	key NAME...            TSIG keys accepted from any source
//	to ADDR[:PORT]...      NOTIFY targets (port 53 by default; [v6]:port)
//	notify_key NAME        the key that signs this layer's NOTIFYs (default: the first key)
var Directives = []string{"allow", "key", "to", "notify_key"}

// ParseDirective reads the directive c is on into p when it is one of
// Directives; handled is false, and c untouched, for any other. Repeated
// directives add up.
func (p *Policy) ParseDirective(c *caddy.Controller) (handled bool, err error) {
	switch c.Val() {
	case "allow":
		return true, each(c, func(s string) error { return p.addAllow(s) })
	case "key":
		return true, each(c, func(s string) error {
			k, err := xfrmeta.ParseKeyName(s)
			if err == nil {
				p.Keys = union(p.Keys, []string{k})
			}
			return err
		})
	case "to":
		return true, each(c, func(s string) error {
			a, err := xfrmeta.ParseHostPort(s, "53")
			if err == nil {
				p.NotifyTo = union(p.NotifyTo, []string{a})
			}
			return err
		})
	case "notify_key":
		args := c.RemainingArgs()
		if len(args) != 1 {
			return true, c.ArgErr()
		}
		k, err := xfrmeta.ParseKeyName(args[0])
		if err != nil {
			return true, c.Errf("notify_key %q: %v", args[0], err)
		}
		p.NotifyKey = k
		return true, nil
	}
	return false, nil
}

func (p *Policy) addAllow(s string) error {
	if s == "*" {
		p.Allow = union(p.Allow, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")})
		return nil
	}
	pfx, err := xfrmeta.ParsePrefix(s)
	if err == nil {
		p.Allow = union(p.Allow, []netip.Prefix{pfx})
	}
	return err
}

// each calls add for every argument of the directive c is on; there must
// be at least one. The error names the directive and the argument.
func each(c *caddy.Controller, add func(string) error) error {
	dir, args := c.Val(), c.RemainingArgs()
	if len(args) == 0 {
		return c.ArgErr()
	}
	for _, a := range args {
		if err := add(a); err != nil {
			return c.Errf("%s %q: %v", dir, a, err)
		}
	}
	return nil
}

// ParseTSIGKey reads `tsig_key NAME ALGORITHM SECRET` (c on tsig_key) into
// keys; a name given twice is an error.
func ParseTSIGKey(c *caddy.Controller, keys map[string]xfrmeta.Key) error {
	args := c.RemainingArgs()
	if len(args) != 3 {
		return c.ArgErr()
	}
	k, err := xfrmeta.ParseKey(args[0], args[1], args[2])
	if err != nil {
		return c.Errf("tsig_key: %v", err)
	}
	if _, dup := keys[k.Name]; dup {
		return c.Errf("tsig_key %s defined twice", k.Name)
	}
	keys[k.Name] = k
	return nil
}

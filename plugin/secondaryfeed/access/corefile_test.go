package access

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/coredns/caddy"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// parseBlock reads a `secondaryfeed { ... }` block as the wiring's setup
// would: policy directives and tsig_key.
func parseBlock(input string) (Policy, map[string]xfrmeta.Key, error) {
	c := caddy.NewTestController("dns", input)
	var p Policy
	keys := map[string]xfrmeta.Key{}
	for c.Next() {
		for c.NextBlock() {
			if c.Val() == "tsig_key" {
				if err := ParseTSIGKey(c, keys); err != nil {
					return p, keys, err
				}
				continue
			}
			ok, err := p.ParseDirective(c)
			if err != nil {
				return p, keys, err
			}
			if !ok {
				return p, keys, c.Errf("unknown property %q", c.Val())
			}
		}
	}
	return p, keys, nil
}

func TestParseDirective(t *testing.T) {
	p, keys, err := parseBlock(`secondaryfeed {
		allow 192.0.2.0/24 2001:db8::1
		allow 192.0.2.0/24 *
		key Xfr.Example provider.
		to 192.0.2.1 [2001:db8::2]:5300
		notify_key provider.
		tsig_key xfr.example hmac-sha256 c2VjcmV0c2VjcmV0
	}`)
	if err != nil {
		t.Fatal(err)
	}
	wantAllow := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::1/128"),
		netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	if !slices.Equal(p.Allow, wantAllow) {
		t.Errorf("Allow %v", p.Allow)
	}
	if !slices.Equal(p.Keys, []string{"xfr.example.", "provider."}) || p.NotifyKey != "provider." {
		t.Errorf("Keys %v NotifyKey %q", p.Keys, p.NotifyKey)
	}
	if !slices.Equal(p.NotifyTo, []string{"192.0.2.1:53", "[2001:db8::2]:5300"}) {
		t.Errorf("NotifyTo %v", p.NotifyTo)
	}
	if k := keys["xfr.example."]; k.Algorithm != "hmac-sha256." || k.Secret != "c2VjcmV0c2VjcmV0" {
		t.Errorf("tsig_key %+v", k)
	}
}

func TestParseDirectiveErrors(t *testing.T) {
	for _, in := range []string{
		"allow",
		"allow 192.0.2.0/33",
		"allow example.com",
		"key",
		"key a..b",
		"to",
		"to ns1.example.",
		"to 192.0.2.1:0",
		"notify_key",
		"notify_key a b",
		"tsig_key k hmac-sha256",
		"tsig_key k hmac-md5 c2VjcmV0",
		"tsig_key k hmac-sha256 c2VjcmV0\ntsig_key K. hmac-sha1 c2VjcmV0",
		"bogus 1",
	} {
		if _, _, err := parseBlock("secondaryfeed {\n" + in + "\n}"); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// FuzzParseDirective: any block parses to a policy or an error, never a
// panic, and what was kept is well formed.
func FuzzParseDirective(f *testing.F) {
	for _, s := range []string{
		"allow 192.0.2.0/24 ::ffff:10.0.0.0/104 *", "key k. K2", "to [::1]:53 192.0.2.1:65535",
		"notify_key k", "tsig_key k hmac-sha512 c2VjcmV0", "allow {", "to \"192.0.2.1\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		p, keys, err := parseBlock("secondaryfeed {\n" + body + "\n}")
		if err != nil {
			return
		}
		for _, pfx := range p.Allow {
			if !pfx.IsValid() || pfx != pfx.Masked() {
				t.Fatalf("prefix %v kept from %q", pfx, body)
			}
		}
		for _, a := range p.NotifyTo {
			if _, err := netip.ParseAddrPort(a); err != nil {
				t.Fatalf("target %q kept from %q", a, body)
			}
		}
		for name, k := range keys {
			if name != k.Name || k.Secret == "" {
				t.Fatalf("key %q: %+v from %q", name, k, body)
			}
		}
	})
}

package secondaryfeed

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

func TestParse(t *testing.T) {
	c := caddy.NewTestController("dns", `secondaryfeed example.org example.net {
		redis 127.0.0.1:6379 feed:
		journal 50 1000000
		poll 250ms
		allow 192.0.2.0/24 2001:db8::1 ::ffff:198.51.100.7
		to 192.0.2.1 [2001:db8::53]:5353
		key xfr.key
		notify_key xfr.key
		tsig_key xfr.key hmac-sha256 c2VjcmV0LXNlY3JldC1zZWNyZXQ=
		catalog catalog.invalid
		report 127.0.0.1:9153
		discover
	}`)
	zones, cfg, err := parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(zones, []string{"example.org.", "example.net."}) {
		t.Errorf("zones %v", zones)
	}
	want := struct {
		redisAddr, redisPrefix string
		journal                journal.Options
		poll                   time.Duration
		allow                  []netip.Prefix
		to, keys               []string
		catalog, report        string
	}{
		redisAddr: "127.0.0.1:6379", redisPrefix: "feed:",
		journal: journal.Options{Versions: 50, Bytes: 1000000},
		poll:    250 * time.Millisecond,
		allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::1/128"),
			netip.MustParsePrefix("198.51.100.7/32")},
		to:      []string{"192.0.2.1:53", "[2001:db8::53]:5353"},
		keys:    []string{"xfr.key."},
		catalog: "catalog.invalid.", report: "127.0.0.1:9153",
	}
	if cfg.redisAddr != want.redisAddr || cfg.redisPrefix != want.redisPrefix || cfg.journal != want.journal ||
		cfg.poll != want.poll || !slices.Equal(cfg.policy.Allow, want.allow) || !slices.Equal(cfg.policy.NotifyTo, want.to) ||
		!slices.Equal(cfg.policy.Keys, want.keys) || cfg.policy.NotifyKey != "xfr.key." ||
		cfg.catalog != want.catalog || cfg.report != want.report || cfg.keys["xfr.key."].Algorithm != dns.HmacSHA256 ||
		!cfg.discover {
		t.Errorf("config\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestParseDefaults(t *testing.T) {
	c := caddy.NewTestController("dns", "secondaryfeed {\n redis 127.0.0.1:6379\n}")
	c.ServerBlockKeys = []string{"example.org:53"}
	zones, cfg, err := parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(zones, []string{"example.org."}) || cfg.poll != time.Second ||
		cfg.redisPrefix != journal.DefaultPrefix || cfg.policy.Allow != nil || cfg.policy.NotifyTo != nil ||
		cfg.catalog != "" || cfg.report != "" || len(cfg.keys) != 0 || cfg.discover {
		t.Errorf("zones %v config %+v", zones, cfg)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"secondaryfeed {\n redis\n}",
		"secondaryfeed {\n redis a b c\n}",
		"secondaryfeed {\n journal 0\n}",
		"secondaryfeed {\n journal x\n}",
		"secondaryfeed {\n journal 1 2 3\n}",
		"secondaryfeed {\n poll -1s\n}",
		"secondaryfeed {\n poll\n}",
		"secondaryfeed {\n allow 300.1.1.1\n}",
		"secondaryfeed {\n allow\n}",
		"secondaryfeed {\n to\n}",
		"secondaryfeed {\n to a:b:c\n}",
		"secondaryfeed {\n nonsense\n}",
		"secondaryfeed {\n catalog\n}",
		"secondaryfeed {\n catalog .\n}",
		"secondaryfeed {\n catalog a..b\n}",
		"secondaryfeed {\n report\n}",
		"secondaryfeed {\n report 127.0.0.1\n}",
		"secondaryfeed {\n tsig_key k hmac-sha256\n}",
		"secondaryfeed {\n tsig_key k hmac-nope c2VjcmV0\n}",
		"secondaryfeed {\n tsig_key k hmac-sha256 c2VjcmV0\n tsig_key k hmac-sha256 c2VjcmV0\n}",
		"secondaryfeed {\n notify_key\n}",
		"secondaryfeed\nsecondaryfeed",
		"secondaryfeed {\n discover yes\n}",
	} {
		c := caddy.NewTestController("dns", in)
		if _, _, err := parse(c); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// FuzzParse: any Corefile text gives a config or an error, never a panic, and a
// config's values are within their bounds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"secondaryfeed example.org {\n redis 127.0.0.1:6379 p:\n journal 5 100\n poll 1s\n allow 10.0.0.0/8\n to 10.0.0.1\n}",
		"secondaryfeed",
		"secondaryfeed {\n allow ::1 0.0.0.0/0\n}",
		"secondaryfeed {\n journal 99999999999999999999\n}",
		"secondaryfeed . {\n poll 1ns\n}",
		"secondaryfeed {\n catalog cat.example\n report [::1]:8080\n tsig_key k. hmac-sha512 c2VjcmV0\n key k\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.HasPrefix(s, "secondaryfeed") {
			return
		}
		c := caddy.NewTestController("dns", s)
		_, cfg, err := parse(c)
		if err != nil {
			return
		}
		if cfg.poll <= 0 || cfg.journal.Versions < 0 || cfg.journal.Bytes < 0 {
			t.Fatalf("%q: out of bounds %+v", s, cfg)
		}
		for _, p := range cfg.policy.Allow {
			if !p.IsValid() {
				t.Fatalf("%q: invalid prefix", s)
			}
		}
	})
}

package alias

import (
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
)

func TestParseAlias(t *testing.T) {
	c := caddy.NewTestController("dns", `alias example.org {
    upstream 127.0.0.1:5300 [::1]:53
    timeout 250ms
    retries 3
    max_chain 4
    serve_stale 30m
    cache 500
    negative_ttl 1m
    memo 250ms
}`)
	c.ServerBlockKeys = []string{"example.org:53", "example.net:53"}
	a, err := parseAlias(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.zones.Names(), ","); got != "example.org." {
		t.Errorf("zones %s, want example.org.", got)
	}
	if got := strings.Join(a.served.Names(), ","); got != "example.org.,example.net." {
		t.Errorf("served %s, want both server block zones", got)
	}
	if len(a.up.proxies) != 2 || a.up.proxies[0].Addr() != "127.0.0.1:5300" || a.up.proxies[1].Addr() != "[::1]:53" {
		t.Errorf("upstreams %v", a.up.proxies)
	}
	if a.up.timeout != 250*time.Millisecond || a.up.retries != 3 || a.maxChain != 4 || a.stale != 30*time.Minute ||
		a.cache.capacity != 500 || a.negCap != 60 || a.memoWindow != 250*time.Millisecond || a.memo == nil {
		t.Errorf("parsed %+v, %+v", a, a.up)
	}
}

func TestParseAliasDefaults(t *testing.T) {
	c := caddy.NewTestController("dns", `alias`)
	c.ServerBlockKeys = []string{"example.org:53"}
	a, err := parseAlias(c)
	if err != nil {
		t.Fatal(err)
	}
	if a.up.timeout != defaultTimeout || a.up.retries != defaultRetries || a.maxChain != defaultMaxChain ||
		a.stale != defaultStale || a.cache.capacity != defaultCapacity || a.negCap != defaultNegCap || a.memoWindow != time.Second {
		t.Errorf("defaults %+v, %+v", a, a.up)
	}
}

func TestParseAliasErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alias {\n upstream\n}", "Testfile:2 - Error during parsing: Wrong argument count"},
		{"alias {\n upstream not:a:host\n}", "Testfile:2"},
		{"alias {\n\n timeout 0\n}", "Testfile:3 - Error during parsing: timeout: 0 out of range"},
		{"alias {\n timeout fast\n}", `timeout: time: invalid duration "fast"`},
		{"alias {\n timeout -1s\n}", "out of range"},
		{"alias {\n retries 11\n}", `retries: "11" is not a number from 0 to 10`},
		{"alias {\n max_chain 0\n}", "max_chain"},
		{"alias {\n cache x\n}", "cache"},
		{"alias {\n serve_stale 1h 2h\n}", "Wrong argument count"},
		{"alias {\n negative_ttl\n}", "Wrong argument count"},
		{"alias {\n frobnicate\n}", `Testfile:2 - Error during parsing: unknown property "frobnicate"`},
		{"alias\nalias", "only be used once"},
		{"alias {\n memo 2h\n}", "memo: 2h0m0s is longer than 1h"},
	} {
		c := caddy.NewTestController("dns", tc.in)
		c.ServerBlockKeys = []string{"example.org:53"}
		_, err := parseAlias(c)
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

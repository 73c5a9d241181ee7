package pool

import (
	"testing"

	"github.com/coredns/caddy"
)

// FuzzParsePool feeds arbitrary Corefile text to the pool parser: it must return a value
// or an error, never panic. The seeds run as part of the normal tests.
func FuzzParsePool(f *testing.F) {
	for _, s := range []string{
		"pool",
		"pool example.org {\n policy uniform\n}",
		"pool {\n health http 8080 /health\n interval 1s\n timeout 100ms\n}",
		"pool {\n health tcp 65536\n}",
		"pool {\n health http 80 \"/a b\"\n}",
		"pool {\n timeout 1ns\n interval 1ns\n health tcp 1\n}",
		"pool {\n memo 500ms\n}",
		"pool {\n health tcp 80\n fails 100\n fails 1\n}",
		"pool {",
		"pool {\n}\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c := caddy.NewTestController("dns", in)
		c.ServerBlockKeys = []string{"example.org:53"}
		p, err := parsePool(c)
		if err == nil && p.health != nil && p.health.timeout > p.health.interval {
			t.Errorf("%q: accepted timeout %s > interval %s", in, p.health.timeout, p.health.interval)
		}
	})
}

package alias

import (
	"testing"

	"github.com/coredns/caddy"
)

// FuzzParseAlias feeds arbitrary Corefile text to the alias parser: it must return a
// value or an error, never panic. The seeds run as part of the normal tests.
func FuzzParseAlias(f *testing.F) {
	for _, s := range []string{
		"alias",
		"alias example.org {\n upstream 127.0.0.1\n timeout 100ms\n retries 2\n}",
		"alias {\n max_chain 64\n serve_stale 0s\n cache 1\n negative_ttl 0s\n}",
		"alias {\n timeout 1e9h\n}",
		"alias {\n upstream tls://1.1.1.1 /nonexistent\n}",
		"alias {\n retries -1\n}",
		"alias {\n}\n}",
		"alias {\n memo 0\n memo 1h\n}",
		"alias {",
		"alias \"\" {\n upstream \"\"\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c := caddy.NewTestController("dns", in)
		c.ServerBlockKeys = []string{"example.org:53"}
		a, err := parseAlias(c)
		if err == nil && a.up != nil {
			a.up.stop()
		}
	})
}

package report

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/distro/compare/diff"
)

// FuzzAllowList checks that no allow-list crashes the parser, and that a parsed rule with a
// reason accepts or refuses without crashing. Its seed corpus runs as a normal test.
func FuzzAllowList(f *testing.F) {
	f.Add(allowText)
	f.Add("ttl * * x\n* *. * y\nrcode *.* ANY z")
	f.Add("order \\000.example TYPE1 w")
	f.Fuzz(func(t *testing.T, in string) {
		al, err := ParseAllowList(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range al.rules {
			if r.Reason == "" {
				t.Fatalf("rule without a reason: %+v", r)
			}
		}
		al.Accept(dns.Question{Name: "www.example.org.", Qtype: dns.TypeA}, []diff.Difference{{Kind: diff.TTL}})
	})
}

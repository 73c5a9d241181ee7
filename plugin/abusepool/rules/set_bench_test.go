package rules

import (
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkSetMatch compares matching against no rules with matching against 1,000 rules
// of every kind, first when none matches (the cost every ordinary query pays) and then when
// one does.
func BenchmarkSetMatch(b *testing.B) {
	miss := q("www.customer.no-such.example.", "192.0.2.55", dns.TypeA)
	hit := q("www.x600.example.", "192.0.2.55", dns.TypeA)
	for _, c := range []struct {
		name  string
		rules int
		q     Query
		hit   bool
	}{
		{"rules=0", 0, miss, false},
		{"rules=1000/none-matching", 1000, miss, false},
		{"rules=1000/one-matching", 1000, hit, true},
	} {
		set := NewSet(manyRules(b, c.rules))
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if (set.Match(c.q) != nil) != c.hit {
					b.Fatal("unexpected match result")
				}
			}
		})
	}
}

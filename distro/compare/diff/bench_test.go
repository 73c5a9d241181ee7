package diff

import (
	"testing"
)

// BenchmarkCompare compares two equal positive answers with authority and glue, the common
// case of a replay.
func BenchmarkCompare(b *testing.B) {
	a := msg(b, 0, twoA, ns, glue)
	c := msg(b, 0, twoArev, ns, glue)
	for b.Loop() {
		if ds := Compare(a, c, Options{IgnoreOrder: true}); len(ds) != 0 {
			b.Fatal(ds)
		}
	}
}

package state

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkPutWith1000Rules is the cost of one change while 1,000 rules are in force: every
// change rebuilds the Set (with rules.NewSet's real cost once H1's index is in).
func BenchmarkPutWith1000Rules(b *testing.B) {
	s := New(nil, Options{})
	ctx := context.Background()
	for i := range 1000 {
		if _, err := s.Put(ctx, apiRule(fmt.Sprintf("r%d", i), fmt.Sprintf("n%d.example.", i))); err != nil {
			b.Fatal(err)
		}
	}
	r := apiRule("changing", "changing.example.")
	b.ResetTimer()
	for range b.N {
		if _, err := s.Put(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSet is what the handler pays per query to get the rules: one atomic load.
func BenchmarkSet(b *testing.B) {
	s := New(nil, Options{})
	b.ReportAllocs()
	for range b.N {
		if s.Set() == nil {
			b.Fatal("no set")
		}
	}
}

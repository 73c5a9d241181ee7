package stackstart

import (
	"runtime"
	"testing"
)

// BenchmarkCollectWithBallast: a full collection with the default ballast parked, the cost the
// ballast adds to every cycle's stack scan.
func BenchmarkCollectWithBallast(b *testing.B) {
	b.Cleanup(func() { Hold(0) })
	for _, ballast := range []struct {
		name string
		n    int
	}{{"none", 0}, {"default", Default}} {
		Hold(ballast.n)
		b.Run(ballast.name, func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
			}
		})
	}
}

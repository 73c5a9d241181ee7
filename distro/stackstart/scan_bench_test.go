package stackstart

import (
	"runtime"
	"testing"
)

// BenchmarkCollectWithBallast: a full collection with the default ballast parked, the cost the
// ballast adds to every cycle's stack scan.
func BenchmarkCollectWithBallast(b *testing.B) {
	b.Cleanup(func() { Hold(0) })
	for _, n := range []int{0, Default} {
		Hold(n)
		b.Run(map[int]string{0: "none", Default: "default"}[n], func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
			}
		})
	}
}

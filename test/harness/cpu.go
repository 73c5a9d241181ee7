package harness

import (
	"runtime"
	"syscall"
	"time"
)

// ProcessCPU is the process's user and system CPU time so far: what a
// benchmark measures per query when the collector's background work is to
// count too.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CollectionCPU is the process's CPU time for one full collection, the least
// of five: what marking the live heap costs, which every collection under
// load pays again. The least of several leaves out a run that another
// thread's work lengthened.
func CollectionCPU() time.Duration {
	best := time.Duration(1 << 62)
	for range 5 {
		cpu := ProcessCPU()
		runtime.GC()
		best = min(best, ProcessCPU()-cpu)
	}
	return best
}

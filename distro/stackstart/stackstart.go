// Package stackstart makes new goroutines start with a stack deep enough for a query.
//
// miekg/dns, under CoreDNS, answers every UDP query on a goroutine of its own. A goroutine
// starts with the stack size Go's runtime picks at each garbage collection: the average stack
// in use over the goroutines that cycle scanned (Go 1.19's adaptive start, GODEBUG
// adaptivestackstart). A DNS server's goroutines at that moment are mostly parked listeners,
// pollers and timers, with a kilobyte or two each, so queries start on 2 KiB. A query through
// a plugin chain needs 10 to 20 KiB: its goroutine grows its stack three times, each time
// copying it, and that was 10 % of the server's CPU on signed answers and 23 % on answers from
// the answer cache (test/bench/RESULTS.md).
//
// A ballast of parked goroutines that keep a deep stack in use raises that average, so the
// runtime itself starts goroutines at the size a query needs. It costs the ballast's stacks
// (Default: 256 of 16 KiB, 4 MiB) and larger stacks for goroutines that need less; the
// runtime shrinks those at the next collections. When many more goroutines are parked than
// the ballast holds (thousands of TCP clients), the average, and the start, fall back towards
// the runtime's own.
package stackstart

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

// Env names the environment variable that sets the ballast's size: a number of goroutines,
// "0" for none.
const Env = "HOSTDNS_STACK_BALLAST"

// Default is the ballast when Env is unset.
const Default = 256

// inUse is the stack each ballast goroutine keeps in use: 13 KiB, which the runtime holds in a
// 16 KiB stack and averages with the other goroutines' to about half that, rounded up to a
// power of two. It is one frame, not a chain of small ones: every collection scans every
// stack, frame by frame, and one frame halves what the ballast adds to each cycle
// (BenchmarkCollectWithBallast: about 65 us a collection instead of 130).
const inUse = 13 * 1000

// maxBallast bounds Env: more would hold memory for no gain.
const maxBallast = 4096

var (
	held    int           // goroutines in the ballast now
	release chan struct{} // closed to end them
	running sync.WaitGroup
)

// FromEnv holds the ballast Env asks for, Default when it is unset, and returns its size.
func FromEnv() (int, error) {
	n := Default
	if v, ok := os.LookupEnv(Env); ok {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 || n > maxBallast {
			return 0, fmt.Errorf("%s: %q is not a number of goroutines from 0 to %d", Env, v, maxBallast)
		}
	}
	Hold(n)
	return n, nil
}

// Hold parks n goroutines with deep stacks, replacing any ballast held before. When it
// returns, the new ballast is parked and the old one has ended. It is not safe for concurrent
// use.
func Hold(n int) {
	if release != nil {
		close(release)
	}
	running.Wait()
	r := make(chan struct{})
	var parked sync.WaitGroup
	parked.Add(n)
	for range n {
		running.Go(func() { deep(parked.Done, r) })
	}
	parked.Wait()
	held, release = n, r
}

// deep keeps one frame of inUse bytes on the stack, calls parked, and waits until release is
// closed.
//
//go:noinline
func deep(parked func(), release chan struct{}) byte {
	var frame [inUse]byte
	frame[len(frame)-1] = 1
	parked()
	<-release
	return frame[0] + frame[len(frame)-1] // the frame is used: it stays on the stack
}

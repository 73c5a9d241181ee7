package stackstart

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// startingSize is the stack size the runtime gives new goroutines now.
func startingSize() uint64 {
	s := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestBallastRaisesStart: with the ballast held, goroutines start with a stack of at least
// 8 KiB after a collection; without it, with the runtime's smallest.
func TestBallastRaisesStart(t *testing.T) {
	t.Cleanup(func() { Hold(0) })
	Hold(Default)
	runtime.GC()
	if got := startingSize(); got < 8<<10 {
		t.Errorf("with a ballast of %d: goroutines start with %d bytes of stack, want at least 8 KiB", Default, got)
	}
	Hold(0)
	runtime.GC()
	if got := startingSize(); got > 4<<10 {
		t.Errorf("without a ballast: goroutines start with %d bytes of stack, want the runtime's 2 KiB or so", got)
	}
}

func TestFromEnv(t *testing.T) {
	t.Cleanup(func() { Hold(0) })
	for v, want := range map[string]int{"0": 0, "16": 16, "4096": 4096} {
		t.Setenv(Env, v)
		if n, err := FromEnv(); err != nil || n != want || held != want {
			t.Errorf("%s=%s: %d, %v (%d held); want %d", Env, v, n, err, held, want)
		}
	}
	for _, v := range []string{"", "-1", "4097", "1e3", "lots"} {
		t.Setenv(Env, v)
		if n, err := FromEnv(); err == nil {
			t.Errorf("%s=%q: %d, no error; want one", Env, v, n)
		}
	}
}

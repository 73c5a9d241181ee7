package gcfloor

import (
	"runtime"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "65536": 65536, "64MiB": 64 << 20, "64 MiB": 64 << 20, "1GB": 1e9, "2KiB": 2048, "10B": 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "64XB", "MiB", "17GiB", "1e9", "99999999999999999999"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d; want an error", in, got)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "64MiB", "1GB", "-1", "17GiB", " 3 KB "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && (n < 0 || n > 16<<30) {
			t.Errorf("ParseSize(%q) = %d: out of range", s, n)
		}
	})
}

// TestFloorCountsAsLiveHeap: with a floor the collector's goal is above it, and the floor
// is not resident memory the program wrote.
func TestFloorCountsAsLiveHeap(t *testing.T) {
	t.Cleanup(func() { Set(0) })
	Set(0)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	Set(256 << 20)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.NextGC < before.NextGC+256<<20 {
		t.Errorf("next GC at %d MiB with a 256 MiB floor (%d MiB without): the floor does not count", after.NextGC>>20, before.NextGC>>20)
	}
	Set(0)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.NextGC >= before.NextGC+256<<20 {
		t.Errorf("next GC at %d MiB after Set(0): the floor was not released", after.NextGC>>20)
	}
}

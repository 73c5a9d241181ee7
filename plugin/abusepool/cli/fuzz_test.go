package cli

import (
	"strings"
	"testing"
)

// FuzzSplitFlags: any command line splits without panic; every argument ends up either
// positional or as a flag name or value, and a known flag is never left positional.
func FuzzSplitFlags(f *testing.F) {
	for _, seed := range []string{
		"names 5 2 -window 30s", "names --window=1m 5", "-window", "names -- -window 1s",
		"names -1 -x", "-window=", "- -- --", "names -window 1s -window 2s", "-Inf -window=-1s",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		pos, flags, err := splitFlags(args, "window")
		if err != nil {
			if pos != nil || flags != nil {
				t.Fatalf("%q: error %v with results", line, err)
			}
			return
		}
		used := len(pos)
		for range flags {
			used++
		}
		if used > len(args) || len(flags) > 1 {
			t.Fatalf("%q: %d positional and flags %v from %d arguments", line, len(pos), flags, len(args))
		}
		dashdash := false
		for _, a := range args {
			if a == "--" {
				dashdash = true
			}
		}
		for _, p := range pos {
			if !dashdash && (p == "-window" || p == "--window" || strings.HasPrefix(p, "-window=")) {
				t.Fatalf("%q: flag %q left positional", line, p)
			}
		}
		if _, err := parseTop(args); err == nil && len(pos) == 0 {
			t.Fatalf("%q: parseTop accepted no dimension", line)
		}
	})
}

package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// splitFlags takes the flags named (each with a value: "-window 10s", "--window=10s") out
// of args, wherever they stand, so `top names 5 2 -window 30s` reads like dnsdist's
// topQueries(5, 2). What remains are the positional arguments; a lone "--" ends the flags.
func splitFlags(args []string, names ...string) (pos []string, flags map[string]string, err error) {
	flags = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), flags, nil
		}
		if len(a) < 2 || a[0] != '-' || isNumber(a) {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !contains(names, name) {
			return nil, nil, fmt.Errorf("unknown flag %s", a)
		}
		if _, dup := flags[name]; dup {
			return nil, nil, fmt.Errorf("flag -%s given twice", name)
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, nil, fmt.Errorf("flag -%s needs a value", name)
			}
			i++
			value = args[i]
		}
		flags[name] = value
	}
	return pos, flags, nil
}

// isNumber keeps "-1" a positional argument, for a clear "want N ≥ 1" later.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// topArgs is `top DIMENSION [N [LABELS]] [-window D]`.
type topArgs struct {
	dimension string
	n, labels int
	window    time.Duration
}

func parseTop(args []string) (topArgs, error) {
	pos, flags, err := splitFlags(args, "window")
	if err != nil {
		return topArgs{}, err
	}
	if len(pos) < 1 || len(pos) > 3 {
		return topArgs{}, fmt.Errorf("want: top DIMENSION [N [LABELS]] [-window DURATION]")
	}
	t := topArgs{dimension: pos[0], n: 10}
	if len(pos) > 1 {
		if t.n, err = strconv.Atoi(pos[1]); err != nil || t.n < 1 {
			return topArgs{}, fmt.Errorf("top: N %q: want a whole number ≥ 1", pos[1])
		}
	}
	if len(pos) > 2 {
		if t.labels, err = strconv.Atoi(pos[2]); err != nil || t.labels < 0 {
			return topArgs{}, fmt.Errorf("LABELS %q: want a whole number ≥ 0", pos[2])
		}
	}
	t.window, err = windowFlag(flags)
	return t, err
}

// parseRates is `rates [-window D]`.
func parseRates(args []string) (time.Duration, error) {
	pos, flags, err := splitFlags(args, "window")
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, fmt.Errorf("want: rates [-window DURATION]")
	}
	return windowFlag(flags)
}

func windowFlag(flags map[string]string) (time.Duration, error) {
	s, ok := flags["window"]
	if !ok {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("-window %q: want a duration like 10s or 1m", s)
	}
	return d, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

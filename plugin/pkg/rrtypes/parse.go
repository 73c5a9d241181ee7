package rrtypes

import (
	"errors"
	"fmt"
	"strconv"
)

var errNoTarget = errors.New("missing target")

// tokens checks the number of rdata tokens the zone parser handed over; the
// first is required, the rest, up to n in all, optional.
func tokens(txt []string, n int) error {
	if len(txt) == 0 {
		return errNoTarget
	}
	if len(txt) > n {
		return fmt.Errorf("unexpected %q after rdata", txt[n])
	}
	return nil
}

// parseUint16 parses the optional numeric field txt[i], returning def if it
// is absent. The value must pass check, as it must when it is unpacked.
func parseUint16(txt []string, i int, def uint16, check func(uint16) error) (uint16, error) {
	if i >= len(txt) {
		return def, nil
	}
	n, err := strconv.ParseUint(txt[i], 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", txt[i], check(0))
	}
	if err := check(uint16(n)); err != nil {
		return 0, fmt.Errorf("%q: %w", txt[i], err)
	}
	return uint16(n), nil
}

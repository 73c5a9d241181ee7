package journal

import "testing"

func TestLess(t *testing.T) {
	for _, c := range []struct {
		a, b uint32
		want bool
	}{
		{1, 2, true}, {2, 1, false}, {5, 5, false},
		{0xFFFFFFFF, 0, true}, {0, 0xFFFFFFFF, false},
		{0, 1 << 31, false}, {1 << 31, 0, false}, // 2^31 apart: undefined, neither
		{0, 1<<31 - 1, true}, {1, 1 << 31, true},
	} {
		if got := Less(c.a, c.b); got != c.want {
			t.Errorf("Less(%d, %d) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestNextSerial(t *testing.T) {
	for _, c := range []struct {
		prev    uint32
		hasPrev bool
		source  uint32
		want    uint32
	}{
		{0, false, 2026120601, 2026120601}, // first version: the source's
		{10, true, 11, 11},                 // source moved ahead
		{10, true, 10, 11},                 // same source serial, new content (an ALIAS moved)
		{10, true, 3, 11},                  // source went back
		{0xFFFFFFFF, true, 7, 7},           // 7 is after 2^32-1 in RFC 1982
		{0xFFFFFFFF, true, 0xFFFFFFFF, 1},  // +1 wraps past 0
		{0xFFFFFFFE, true, 0xFFFFFFFF, 0xFFFFFFFF},
	} {
		got := NextSerial(c.prev, c.hasPrev, c.source)
		if got != c.want {
			t.Errorf("NextSerial(%d, %v, %d) = %d, want %d", c.prev, c.hasPrev, c.source, got, c.want)
		}
	}
}

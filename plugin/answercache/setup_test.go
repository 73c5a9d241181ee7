package answercache

import (
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		input     string
		zones     []string
		size      int
		maxAge    time.Duration
		admission bool
	}{
		{"answercache", []string{"."}, 64 << 20, time.Hour, true},
		{"answercache Example.ORG example.net", []string{"example.org.", "example.net."}, 64 << 20, time.Hour, true},
		{"answercache {\n size 1MiB\n max_age 5m\n admission off\n}", []string{"."}, 1 << 20, 5 * time.Minute, false},
		{"answercache {\n size 2GiB\n}", []string{"."}, 2 << 30, time.Hour, true},
		{"answercache {\n size 4096KiB\n admission on\n}", []string{"."}, 4 << 20, time.Hour, true},
		{"answercache {\n size 1048576\n}", []string{"."}, 1 << 20, time.Hour, true},
	} {
		c := caddy.NewTestController("dns", tc.input)
		ac, err := parse(c)
		if err != nil {
			t.Fatalf("%q: %v", tc.input, err)
		}
		if strings.Join(ac.zones, ",") != strings.Join(tc.zones, ",") || ac.size != tc.size || ac.maxAge != tc.maxAge || ac.admission != tc.admission {
			t.Errorf("%q: zones %v size %d max_age %v admission %v", tc.input, ac.zones, ac.size, ac.maxAge, ac.admission)
		}
		if got := ac.store.shards[0].door != nil; got != tc.admission {
			t.Errorf("%q: doorkeeper %v, admission %v", tc.input, got, tc.admission)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for input, want := range map[string]string{
		"answercache {\n size 512KiB\n}":     `size: "512KiB" is below the minimum of 1MiB`,
		"answercache {\n size 64MB\n}":       `size: "64MB" is not a size like 64MiB`,
		"answercache {\n size -1MiB\n}":      `size: "-1MiB" is not a size`,
		"answercache {\n size 65GiB\n}":      `size: "65GiB" is not a size`,
		"answercache {\n size\n}":            "size: want one value, got 0",
		"answercache {\n max_age 0s\n}":      `max_age: 0s is not from 1s to 168h0m0s`,
		"answercache {\n max_age soon\n}":    `max_age: time: invalid duration "soon"`,
		"answercache {\n max_age 1h 2h\n}":   "max_age: want one value, got 2",
		"answercache {\n admission maybe\n}": `admission: "maybe" is neither on nor off`,
		"answercache {\n ttl 5\n}":           `unknown property "ttl"`,
		"answercache\nanswercache":           "this plugin",
	} {
		c := caddy.NewTestController("dns", input)
		_, err := parse(c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", input, err, want)
		}
	}
}

func TestSetupRegistersAndStops(t *testing.T) {
	c := caddy.NewTestController("dns", "answercache {\n size 1MiB\n}")
	if err := setup(c); err != nil {
		t.Fatal(err)
	}
	if err := setup(caddy.NewTestController("dns", "answercache {\n size 1\n}")); err == nil || !strings.Contains(err.Error(), "plugin/answercache: ") {
		t.Fatalf("setup error %v, want one prefixed plugin/answercache", err)
	}
}

package pool

import (
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
)

func TestParsePool(t *testing.T) {
	for _, tc := range []struct {
		in       string
		weighted bool
		kind     string
		port     int
		path     string
		interval time.Duration
		timeout  time.Duration
		fails    int32

		memberMetrics bool
	}{
		{in: "pool", weighted: true},
		{in: "pool example.org {\n policy uniform\n memo 0s\n}", weighted: false},
		{in: "pool {\n member_metrics\n}", weighted: true, memberMetrics: true},
		{in: "pool {\n policy weighted\n health tcp 80\n}", weighted: true, kind: "tcp", port: 80, interval: defaultInterval, timeout: defaultTimeout},
		{in: "pool {\n health http 8080\n interval 5s\n timeout 500ms\n fails 3\n}", weighted: true, kind: "http", port: 8080, path: "/", interval: 5 * time.Second, timeout: 500 * time.Millisecond, fails: 3},
		{in: "pool {\n health http 443 /healthz?full=1\n}", weighted: true, kind: "http", port: 443, path: "/healthz?full=1", interval: defaultInterval, timeout: defaultTimeout},
	} {
		c := caddy.NewTestController("dns", tc.in)
		c.ServerBlockKeys = []string{"example.org:53"}
		p, err := parsePool(c)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if p.memberMetrics != tc.memberMetrics {
			t.Errorf("%q: member_metrics %v, want %v", tc.in, p.memberMetrics, tc.memberMetrics)
		}
		if p.weighted != tc.weighted {
			t.Errorf("%q: weighted %v, want %v", tc.in, p.weighted, tc.weighted)
		}
		if tc.kind == "" {
			if p.health != nil || p.up != nil {
				t.Errorf("%q: health checker without health", tc.in)
			}
			continue
		}
		h := p.health
		if h == nil || p.up == nil || h.kind != tc.kind || h.port != tc.port || h.path != tc.path || h.interval != tc.interval || h.timeout != tc.timeout ||
			(tc.fails != 0 && h.maxFails != tc.fails) || (tc.fails == 0 && h.maxFails != defaultFails) {
			t.Errorf("%q: checker %+v", tc.in, h)
		}
	}
}

func TestParsePoolErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"pool {\n policy random\n}", `Testfile:2 - Error during parsing: policy: "random" is neither weighted nor uniform`},
		{"pool {\n policy\n}", "Wrong argument count"},
		{"pool {\n member_metrics yes\n}", "Wrong argument count"},
		{"pool {\n health udp 53\n}", `health: "udp" is neither tcp nor http`},
		{"pool {\n health tcp\n}", "Wrong argument count"},
		{"pool {\n health tcp 80 /x\n}", "Wrong argument count"},
		{"pool {\n health tcp 0\n}", `health: port "0" is not a number from 1 to 65535`},
		{"pool {\n health http 80 health\n}", "must start with /"},
		{"pool {\n health tcp 80\n health tcp 81\n}", "Testfile:3 - Error during parsing: health: given twice"},
		{"pool {\n interval 1s\n}", "need a health check"},
		{"pool {\n health tcp 80\n interval 1s\n timeout 2s\n}", "timeout 2s is longer than interval 1s"},
		{"pool {\n health tcp 80\n interval 0s\n}", "interval: 0s out of range"},
		{"pool {\n health tcp 80\n timeout soon\n}", "timeout: time: invalid duration"},
		{"pool {\n weights\n}", `Testfile:2 - Error during parsing: unknown property "weights"`},
		{"pool\npool", "only be used once"},
		{"pool {\n health tcp 80\n fails 0\n}", `fails: "0" is not a number from 1 to 100`},
		{"pool {\n fails 2\n}", "need a health check"},
		{"pool {\n memo 61m\n}", `memo: "61m" is not a duration from 0s to 1h`},
		{"pool {\n memo\n}", "Wrong argument count"},
	} {
		c := caddy.NewTestController("dns", tc.in)
		c.ServerBlockKeys = []string{"example.org:53"}
		_, err := parsePool(c)
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

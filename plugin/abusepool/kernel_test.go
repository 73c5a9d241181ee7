package abusepool

import (
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/coredns/coredns/core/dnsserver"
)

func TestParseKernelDrop(t *testing.T) {
	cfg, err := parseString("abusepool {\n    kernel_drop\n}")
	if runtime.GOOS != "linux" {
		if err == nil || !strings.Contains(err.Error(), "needs Linux") {
			t.Fatalf("kernel_drop off Linux: want a clear error, got %v", err)
		}
		return
	}
	if err != nil || !cfg.kernelDrop {
		t.Fatalf("kernel_drop: %v %+v", err, cfg)
	}
	if cfg, _ := parseString("abusepool"); cfg.kernelDrop {
		t.Error("kernel_drop must be off by default")
	}
	for _, in := range []string{"abusepool {\n    kernel_drop on\n}", "abusepool {\n    kernel_drop\n    kernel_drop\n}"} {
		if _, err := parseString(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestKernelOptions(t *testing.T) {
	o, err := kernelOptions(&dnsserver.Config{Port: "1053", ListenHosts: []string{"127.0.0.1", "::1"}})
	if err != nil || o.Port != 1053 || !slices.Equal(o.Hosts, []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}) {
		t.Errorf("got %+v, %v", o, err)
	}
	if o, err := kernelOptions(&dnsserver.Config{Port: "53", ListenHosts: []string{""}}); err != nil || o.Hosts != nil {
		t.Errorf("no bind: got %+v, %v; want any address", o, err)
	}
	if _, err := kernelOptions(&dnsserver.Config{Port: "0"}); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("port 0: want an error, got %v", err)
	}
}

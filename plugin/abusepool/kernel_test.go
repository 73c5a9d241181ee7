package abusepool

import (
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/kernelfilter"
)

func TestParseKernelDrop(t *testing.T) {
	cfg, err := parseString("abusepool {\n    kernel_drop\n}")
	if runtime.GOOS != "linux" {
		if err == nil || !strings.Contains(err.Error(), "needs Linux") {
			t.Fatalf("kernel_drop off Linux: want a clear error, got %v", err)
		}
		return
	}
	if err != nil || !cfg.kernelDrop || cfg.kernelSamp != kernelfilter.DefaultSample {
		t.Fatalf("kernel_drop: %v %+v", err, cfg)
	}
	if cfg, _ := parseString("abusepool"); cfg.kernelDrop {
		t.Error("kernel_drop must be off by default")
	}
	for arg, want := range map[string]uint32{"sample 8": 8, "sample 2": 2, "sample 1048576": 1 << 20, "sample off": 0, "sample 0": 0} {
		cfg, err := parseString("abusepool {\n    kernel_drop " + arg + "\n}")
		if err != nil || !cfg.kernelDrop || cfg.kernelSamp != want {
			t.Errorf("kernel_drop %s: %v, sample %d, want %d", arg, err, cfg.kernelSamp, want)
		}
	}
	for _, in := range []string{"kernel_drop on", "kernel_drop\n    kernel_drop", "kernel_drop sample", "kernel_drop sample 3",
		"kernel_drop sample 1", "kernel_drop sample 2097152", "kernel_drop sample -8", "kernel_drop sample 8 more", "kernel_drop rate 8"} {
		if _, err := parseString("abusepool {\n    " + in + "\n}"); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// A UDP query from a source the socket filter drops is one of the kernel's sample: dropped
// whatever rule comes first in the handler (here one that refuses everybody), and recorded
// as N queries. Over TCP (not filtered) or from another source the rules apply as ever.
func TestServeKernelSample(t *testing.T) {
	if !kernelfilter.Supported() {
		t.Skip("no socket filters here")
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0") // the server's socket, for the filter
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	cfg, err := parseString("abusepool {\n    rule all cidr 0.0.0.0/0 refused\n    rule blk cidr 127.0.0.1/32 drop\n    kernel_drop sample 8\n}")
	if err != nil {
		t.Fatal(err)
	}
	a, lc, err := build(cfg, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	lc.kernelOpts = &kernelfilter.Options{Port: pc.LocalAddr().(*net.UDPAddr).Port, Sample: cfg.kernelSamp}
	if err := lc.start(); err != nil {
		t.Fatal(err)
	}
	defer lc.stop()
	next := &answering{}
	a.Next = next
	for deadline := time.Now().Add(5 * time.Second); a.kernel.Sampled(netip.MustParseAddr("127.0.0.1")) != 8; {
		if time.Now().After(deadline) {
			t.Fatal("the filter's sample not published within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	dropBefore := testutil.ToFloat64(requestsCount.WithLabelValues("drop"))

	rec, rcode := serve(t, a, false, "127.0.0.1", "www.example.org.", dns.TypeA)
	if rec.Msg != nil || rcode != dns.RcodeSuccess || next.seen != 0 {
		t.Fatalf("kernel sample: want nothing written and rcode 0, got %d %v", rcode, rec.Msg)
	}
	if d := testutil.ToFloat64(requestsCount.WithLabelValues("drop")) - dropBefore; d != 1 {
		t.Errorf("requests_total{action=drop} grew by %v, want 1", d)
	}
	for _, c := range []struct {
		tcp bool
		src string
	}{{true, "127.0.0.1"}, {false, "127.0.0.3"}} {
		rec, _ := serve(t, a, c.tcp, c.src, "www.example.org.", dns.TypeA)
		m := rec.Msg
		if m == nil || m.Rcode != dns.RcodeRefused || !m.Response || m.Authoritative || m.Truncated || len(m.Question) != 1 ||
			m.Question[0].Name != "www.example.org." || len(m.Answer)+len(m.Ns)+len(m.Extra) != 0 || next.seen != 0 {
			t.Errorf("tcp %v from %s: want REFUSED by the first rule, got %v", c.tcp, c.src, m)
		}
	}

	a.inspector.Flush()
	top, err := a.inspector.Top(inspect.Query{Dimension: inspect.Clients, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, e := range top.Entries {
		got[e.Key] = e.Count
	}
	// The sample as 8, the TCP query as 1.
	if got["127.0.0.1"] != 9 || got["127.0.0.3"] != 1 || top.Total != 10 {
		t.Errorf("clients %v total %d, want 127.0.0.1=9 127.0.0.3=1 total 10", got, top.Total)
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

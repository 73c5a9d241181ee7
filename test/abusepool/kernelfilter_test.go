//go:build linux

package abusepool

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// kernelDropWait bounds a wait for a dropped query's (absent) reply; a reply on loopback
// comes in well under a millisecond.
const kernelDropWait = 150 * time.Millisecond

// gaugeValue is the value of the unlabelled gauge name.
func gaugeValue(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

func handlerDrops(t *testing.T) float64 {
	return harness.MetricSumWhere(t, "coredns_abusepool_requests_total", map[string]string{"action": "drop"})
}

// silent reports whether a query from src gets no reply.
func silent(addr, src string) bool {
	c := client("udp", src)
	c.Timeout = kernelDropWait
	_, _, err := c.Exchange(harness.Query("www.example.org.", dns.TypeA), addr)
	return err != nil
}

// droppedInKernel reports whether a query from src gets no reply and abusepool's handler
// never saw it (its drop counter did not move).
func droppedInKernel(t *testing.T, addr, src string) bool {
	before := handlerDrops(t)
	return silent(addr, src) && handlerDrops(t) == before
}

// kernel_drop: the source CIDRs of drop rules are dropped by a socket filter before
// CoreDNS reads them; rules added over the API reach the kernel within a second, deleted
// ones leave it, and a reload without kernel_drop removes the filter.
func TestKernelDrop(t *testing.T) {
	port := harness.FreePort(t)
	api, apiLines := newAPI(t, testToken)
	zoneFile := writeZone(t, zone)
	corefile := func(kernel bool) string {
		block := apiLines + "        rule blk cidr 127.0.0.1/32 drop"
		if kernel {
			block += "\n        kernel_drop"
		}
		return frontCorefile(fmt.Sprintf("example.org:%d", port), block, zoneFile)
	}
	inst, err := harness.StartServerErr(corefile(true))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { inst.Stop(); inst.ShutdownCallbacks() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	harness.Eventually(t, 5*time.Second, "the filter on the server's UDP socket", func() bool {
		return gaugeValue(t, "coredns_abusepool_kernel_sockets") >= 1
	})
	socketDropsBefore := gaugeValue(t, "coredns_abusepool_kernel_socket_drops")
	drops := handlerDrops(t)
	for range 5 {
		if !silent(addr, "127.0.0.1") {
			t.Fatal("a query from 127.0.0.1 was answered")
		}
	}
	harness.AssertResponse(t, ask(t, addr, "udp", "127.0.0.2", "www.example.org.", dns.TypeA), wwwAnswer)
	if now := handlerDrops(t); now != drops {
		t.Errorf("the handler dropped %v queries: the kernel should have, before CoreDNS read them", now-drops)
	}
	if d := gaugeValue(t, "coredns_abusepool_kernel_socket_drops") - socketDropsBefore; d < 5 {
		t.Errorf("the sockets' drop counters moved by %v, want at least 5", d)
	}
	// Over TCP the rule still applies, in the handler.
	c := client("tcp", "127.0.0.1")
	c.Timeout = kernelDropWait
	if m, _, err := c.Exchange(harness.Query("www.example.org.", dns.TypeA), addr); err == nil {
		t.Errorf("TCP query from 127.0.0.1 answered: %v", m)
	}

	if code, body := api.do(t, http.MethodPost, "/v1/rules", rule("api-blk", map[string]string{"cidr": "127.0.0.3/32"}, "drop")); code != http.StatusCreated {
		t.Fatalf("POST rule: %d %s", code, body)
	}
	harness.Eventually(t, time.Second, "the API's drop rule in the kernel", func() bool {
		return droppedInKernel(t, addr, "127.0.0.3")
	})
	if code, body := api.do(t, http.MethodDelete, "/v1/rules/api-blk", nil); code != http.StatusNoContent {
		t.Fatalf("DELETE rule: %d %s", code, body)
	}
	harness.Eventually(t, time.Second, "the deleted rule out of the kernel", func() bool {
		return !silent(addr, "127.0.0.3")
	})
	harness.AssertResponse(t, ask(t, addr, "udp", "127.0.0.3", "www.example.org.", dns.TypeA), wwwAnswer)

	// Reload without kernel_drop: the handler drops 127.0.0.1 again, the kernel no more.
	next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(corefile(false)), Filepath: "Corefile", ServerTypeName: "dns"})
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	inst = next
	if n := gaugeValue(t, "coredns_abusepool_kernel_sockets"); n != 0 {
		t.Errorf("%v sockets still filtered after a reload without kernel_drop", n)
	}
	drops = handlerDrops(t)
	if !silent(addr, "127.0.0.1") {
		t.Fatal("a query from 127.0.0.1 was answered after the reload")
	}
	if handlerDrops(t) != drops+1 {
		t.Errorf("after the reload the handler should drop 127.0.0.1's query (the kernel no longer does)")
	}
}

// With SO_REUSEPORT sockets (multisocket), every socket of the port gets the filter: the
// kernel spreads the queries of different clients over them by hash, so a query from a
// blocked source reaches any of them.
func TestKernelDropEverySocket(t *testing.T) {
	port := harness.FreePort(t)
	const n = 3
	corefile := fmt.Sprintf("example.org:%d {\n    multisocket %d\n    abusepool {\n        rule blk cidr 127.0.0.0/24 drop\n        kernel_drop\n    }\n    file %s\n}\n", port, n, writeZone(t, zone))
	harness.StartServer(t, corefile)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	harness.Eventually(t, 5*time.Second, "the filter on every socket of the port", func() bool {
		return gaugeValue(t, "coredns_abusepool_kernel_sockets") == n
	})
	// Clients from many source ports and addresses of the /24 land on every socket.
	drops := handlerDrops(t)
	for i := 1; i <= 30; i++ {
		if !silent(addr, fmt.Sprintf("127.0.0.%d", i)) {
			t.Fatalf("a query from 127.0.0.%d was answered", i)
		}
	}
	if now := handlerDrops(t); now != drops {
		t.Errorf("the handler dropped %v queries: some socket had no filter", now-drops)
	}
	harness.AssertResponse(t, ask(t, addr, "udp", "127.0.1.1", "www.example.org.", dns.TypeA), wwwAnswer)
}

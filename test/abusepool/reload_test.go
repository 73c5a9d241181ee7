package abusepool

import (
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// A reload (a caddy restart, as the reload plugin does it) stops the old instance's
// inspector, dynamic engine, limiter, Redis subscription, pools' health checks and API
// listener: the new instance binds the API's address again, and after several reloads the
// number of goroutines is back where it was. The last shutdown frees the API's address.
func TestReloadLeaksNothing(t *testing.T) {
	r := harness.NewRedis(t)
	sink := startPoolServer(t)
	api, apiLines := newAPI(t, testToken)
	corefile := frontCorefile("example.org:0", apiLines+lines(
		"        redis "+r.Addr+" "+r.Prefix,
		"        pool abuse "+sink+" max_qps 100 health_check 50ms",
		"        rule shunt suffix mail.example.org pool abuse",
		"        rule rl cidr 127.0.0.5/32 ratelimit 10 10 client drop",
		"        dynamic query_rate client 1000 5s 1m drop",
	), writeZone(t, zone))

	inst, err := harness.StartServerErr(corefile)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			inst.Stop()
			inst.ShutdownCallbacks()
		}
	}()
	exercise := func() {
		t.Helper()
		addr := (&harness.Server{Instance: inst}).Servers()[0].UDP
		harness.AssertResponse(t, ask(t, addr, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)
		harness.AssertResponse(t, ask(t, addr, "udp", "", "mail.example.org.", dns.TypeA), harness.Response{
			Rcode: dns.RcodeNameError, Authoritative: true, Ns: []string{"example.org. 60 IN SOA sink.example.org. hostmaster.example.org. 1 7200 3600 1209600 60"},
		})
		if code, body := api.do(t, http.MethodGet, "/v1/rules", nil); code != http.StatusOK {
			t.Fatalf("API after a reload: %d %s", code, body)
		}
	}
	exercise()
	base := settledGoroutines(0)

	for i := range 5 {
		next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(corefile), Filepath: "Corefile", ServerTypeName: "dns"})
		if err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		inst = next
		exercise()
	}
	if now := settledGoroutines(base); now > base {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("%d goroutines after 5 reloads, %d before: leaked\n%s", now, base, buf[:n])
	}

	inst.Stop()
	inst.ShutdownCallbacks()
	stopped = true
	addr := api.base[len("http://"):]
	harness.Eventually(t, 5*time.Second, "the API's address to be free after the shutdown", func() bool {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		l.Close()
		return true
	})
}

// settledGoroutines collects until the goroutine count is at most target (stopped proxies
// end their connection managers when they are collected), or 10 s passed, and returns it.
// A wait for a state, not a timing assertion.
func settledGoroutines(target int) int {
	best := 1 << 30
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		n := runtime.NumGoroutine()
		best = min(best, n)
		if target > 0 && best <= target {
			break
		}
		if target == 0 && time.Until(deadline) < 9*time.Second {
			break // the base: a second of settling after the first start
		}
		time.Sleep(20 * time.Millisecond)
	}
	return best
}

// Without Redis, a reload keeps the API's rules and the inspection: the new instance takes
// them over from the one it replaces, also when the Corefile changed.
func TestReloadKeepsRulesAndInspection(t *testing.T) {
	api, apiLines := newAPI(t, "")
	zoneFile := writeZone(t, zone)
	corefile := func(extra string) caddy.CaddyfileInput {
		return caddy.CaddyfileInput{Contents: []byte(frontCorefile("example.org:0", apiLines+extra, zoneFile)), Filepath: "Corefile", ServerTypeName: "dns"}
	}
	inst, err := harness.StartServerErr(string(corefile("").Contents))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		inst.Stop()
		inst.ShutdownCallbacks()
	}()
	addr := func() string { return (&harness.Server{Instance: inst}).Servers()[0].UDP }

	if code, body := api.do(t, http.MethodPost, "/v1/rules", rule("refuse-mail", map[string]string{"suffix": "mail.example.org."}, "refused")); code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, body)
	}
	for range 7 {
		harness.AssertResponse(t, ask(t, addr(), "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)
	}

	for i, extra := range []string{"", "        rule drop-x suffix x.example.org drop"} {
		next, err := inst.Restart(corefile(extra))
		if err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		inst = next
		harness.AssertResponse(t, ask(t, addr(), "udp", "", "mail.example.org.", dns.TypeA), harness.Response{Rcode: dns.RcodeRefused})
		harness.AssertResponse(t, ask(t, addr(), "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)
	}
	noAnswer(t, addr(), "", "x.example.org.", dns.TypeA, noReplyWait)

	// 7 before the reloads, 1 after each: the window kept its counts.
	harness.Eventually(t, 5*time.Second, "www.example.org. counted across the reloads", func() bool {
		code, body := api.do(t, http.MethodGet, "/v1/top?dimension=names&n=1", nil)
		return code == http.StatusOK && strings.Contains(string(body), `"key":"www.example.org.","count":9`)
	})
}

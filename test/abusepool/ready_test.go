package abusepool

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// With Redis configured but unreachable, the server starts and applies its Corefile rules,
// but does not report ready: the shared rules are not known yet.
func TestNotReadyUntilRedisLoaded(t *testing.T) {
	nowhere := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t)) // nothing listens there
	readyAddr := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	corefile := fmt.Sprintf("example.org:0 {\n    abusepool {\n        redis %s\n        rule refuse-mail suffix mail.example.org refused\n    }\n    ready %s\n    file %s\n}\n",
		nowhere, readyAddr, writeZone(t, zone))
	s := harness.StartServer(t, corefile)

	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "mail.example.org.", dns.TypeA), harness.Response{Rcode: dns.RcodeRefused})
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)

	var status int
	harness.Eventually(t, 5*time.Second, "/ready to answer", func() bool {
		resp, err := http.Get("http://" + readyAddr + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		status = resp.StatusCode
		return true
	})
	if status != http.StatusServiceUnavailable {
		t.Errorf("/ready: %d with Redis unreachable, want 503", status)
	}
}

// With Redis reachable the server gets ready.
func TestReadyWithRedis(t *testing.T) {
	r := harness.NewRedis(t)
	readyAddr := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	corefile := fmt.Sprintf("example.org:0 {\n    abusepool {\n        redis %s %s\n    }\n    ready %s\n    file %s\n}\n",
		r.Addr, r.Prefix, readyAddr, writeZone(t, zone))
	harness.StartServer(t, corefile)
	harness.Eventually(t, 10*time.Second, "/ready to answer 200", func() bool {
		resp, err := http.Get("http://" + readyAddr + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

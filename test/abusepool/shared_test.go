package abusepool

import (
	"net/http"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// Two servers sharing a Redis (same address and prefix), as two nodes of a fleet: a rule
// added through node A's API applies on node B within a second, and its deletion too.
func TestRuleSharedThroughRedis(t *testing.T) {
	r := harness.NewRedis(t)
	redisLine := "        redis " + r.Addr + " " + r.Prefix + "\n"
	apiA, apiLinesA := newAPI(t, testToken)
	a := startFront(t, apiLinesA+redisLine)
	b := startNode(t, redisLine)
	for _, s := range []*harness.Server{a, b} {
		harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)
	}

	if code, body := apiA.do(t, http.MethodPost, "/v1/rules", rule("fleet-block", map[string]string{"suffix": "www.example.org."}, "refused")); code != http.StatusCreated {
		t.Fatalf("POST on node A: %d %s, want 201", code, body)
	}
	refused := func(m *dns.Msg) bool { return m.Rcode == dns.RcodeRefused }
	harness.AssertResponse(t, harness.WaitFor(t, b.UDP, "www.example.org.", dns.TypeA, refused, time.Second), harness.Response{Rcode: dns.RcodeRefused})
	harness.AssertResponse(t, harness.WaitFor(t, a.UDP, "www.example.org.", dns.TypeA, refused, time.Second), harness.Response{Rcode: dns.RcodeRefused})

	if code, body := apiA.do(t, http.MethodDelete, "/v1/rules/fleet-block", nil); code != http.StatusNoContent {
		t.Fatalf("DELETE on node A: %d %s, want 204", code, body)
	}
	answered := func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }
	harness.AssertResponse(t, harness.WaitFor(t, b.UDP, "www.example.org.", dns.TypeA, answered, time.Second), wwwAnswer)
}

// A node started after the rule was added reads it from Redis: rules survive restarts.
func TestRuleSurvivesRestartThroughRedis(t *testing.T) {
	r := harness.NewRedis(t)
	redisLine := "        redis " + r.Addr + " " + r.Prefix + "\n"
	api, apiLines := newAPI(t, testToken)
	a := startFront(t, apiLines+redisLine)
	if code, body := api.do(t, http.MethodPost, "/v1/rules", rule("kept", map[string]string{"suffix": "mail.example.org."}, "refused")); code != http.StatusCreated {
		t.Fatalf("POST: %d %s, want 201", code, body)
	}
	a.Stop()

	b := startFront(t, redisLine)
	refused := func(m *dns.Msg) bool { return m.Rcode == dns.RcodeRefused }
	harness.AssertResponse(t, harness.WaitFor(t, b.UDP, "mail.example.org.", dns.TypeA, refused, 5*time.Second), harness.Response{Rcode: dns.RcodeRefused})
	harness.AssertResponse(t, ask(t, b.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)
}

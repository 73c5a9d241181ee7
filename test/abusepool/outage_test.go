package abusepool

import (
	"net/http"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// Redis stopped and started under two serving nodes: while it is away both keep the rules
// they know and a rule added on A applies on A; when it is back, B gets it too.
func TestRedisOutageUnderTwoNodes(t *testing.T) {
	srv := harness.StartRedisServer(t)
	redisLine := "        redis " + srv.Addr() + " outage:\n"
	apiA, apiLinesA := newAPI(t, testToken)
	a := startFront(t, apiLinesA+redisLine)
	b := startNode(t, redisLine)
	refused := func(m *dns.Msg) bool { return m.Rcode == dns.RcodeRefused }
	mailAnswer := harness.Response{
		Authoritative: true,
		Answer:        []string{"mail.example.org. 3600 IN A 192.0.2.25"},
		Ns:            exampleNS,
	}

	if code, body := apiA.do(t, http.MethodPost, "/v1/rules", rule("before", map[string]string{"suffix": "www.example.org."}, "refused")); code != http.StatusCreated {
		t.Fatalf("POST before the outage: %d %s", code, body)
	}
	harness.WaitFor(t, b.UDP, "www.example.org.", dns.TypeA, refused, time.Second)

	srv.Stop()
	for _, s := range []*harness.Server{a, b} {
		harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), harness.Response{Rcode: dns.RcodeRefused})
	}
	if code, body := apiA.do(t, http.MethodPost, "/v1/rules", rule("during", map[string]string{"suffix": "mail.example.org."}, "refused")); code != http.StatusCreated {
		t.Fatalf("POST during the outage: %d %s, want 201 (applied locally, written to Redis when it is back)", code, body)
	}
	harness.AssertResponse(t, harness.WaitFor(t, a.UDP, "mail.example.org.", dns.TypeA, refused, time.Second), harness.Response{Rcode: dns.RcodeRefused})
	harness.AssertResponse(t, ask(t, b.UDP, "udp", "", "mail.example.org.", dns.TypeA), mailAnswer)

	srv.Start() // empty: the nodes write back what they know
	harness.AssertResponse(t, harness.WaitFor(t, b.UDP, "mail.example.org.", dns.TypeA, refused, 15*time.Second), harness.Response{Rcode: dns.RcodeRefused})
	harness.AssertResponse(t, ask(t, b.UDP, "udp", "", "www.example.org.", dns.TypeA), harness.Response{Rcode: dns.RcodeRefused})
}

package abusepool

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

const testToken = "test-token-0123456789abcdef"

// apiRule is the part of a rule's JSON the tests look at.
type apiRule struct {
	ID     string            `json:"id"`
	Match  map[string]string `json:"match"`
	Action string            `json:"action"`
	Origin string            `json:"origin"`
}

// rules lists the rules over the API; it accepts a bare list or {"rules": [...]}.
func (a apiServer) rules(t *testing.T) []apiRule {
	t.Helper()
	code, body := a.do(t, http.MethodGet, "/v1/rules", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /v1/rules: %d %s", code, body)
	}
	var list []apiRule
	if err := json.Unmarshal(body, &list); err == nil {
		return list
	}
	var wrapped struct{ Rules []apiRule }
	if err := json.Unmarshal(body, &wrapped); err != nil {
		t.Fatalf("GET /v1/rules: not a list of rules: %s", body)
	}
	return wrapped.Rules
}

func findRule(rs []apiRule, pred func(apiRule) bool) (apiRule, bool) {
	for _, r := range rs {
		if pred(r) {
			return r, true
		}
	}
	return apiRule{}, false
}

// A rule added over the API applies to the next query; deleted, it no longer does. Requests
// without the token change nothing.
func TestAPIRuleAppliesToDNS(t *testing.T) {
	api, apiLines := newAPI(t, testToken)
	s := startFront(t, apiLines+"        rule corefile-rule suffix elsewhere.example drop")
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)

	noToken := apiServer{base: api.base}
	if code, body := noToken.do(t, http.MethodPost, "/v1/rules", rule("refuse-www", map[string]string{"suffix": "www.example.org."}, "refused")); code != http.StatusUnauthorized {
		t.Fatalf("POST without a token: %d %s, want 401", code, body)
	}
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)

	bad := rule("refuse-www", map[string]string{"suffix": "www.example.org."}, "explode")
	if code, body := api.do(t, http.MethodPost, "/v1/rules", bad); code != http.StatusBadRequest || !strings.Contains(string(body), "error") {
		t.Fatalf("POST with a bad action: %d %s, want 400 with an error", code, body)
	}
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)

	if code, body := api.do(t, http.MethodPost, "/v1/rules", rule("refuse-www", map[string]string{"suffix": "www.example.org."}, "refused")); code != http.StatusCreated {
		t.Fatalf("POST /v1/rules: %d %s, want 201", code, body)
	}
	// Without Redis the state changes at once; poll briefly all the same, as a rule set is
	// rebuilt and swapped in.
	m := harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeRefused }, 2*time.Second)
	harness.AssertResponse(t, m, harness.Response{Rcode: dns.RcodeRefused})
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "mail.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"mail.example.org. 3600 IN A 192.0.2.25"},
		Ns:            exampleNS,
	})

	rs := api.rules(t)
	if r, ok := findRule(rs, func(r apiRule) bool { return r.ID == "refuse-www" }); !ok || r.Origin != "api" || r.Action != "refused" {
		t.Errorf("the rule over the API: %+v (found %t) in %+v", r, ok, rs)
	}
	if _, ok := findRule(rs, func(r apiRule) bool { return r.ID == "corefile-rule" && r.Origin == "corefile" }); !ok {
		t.Errorf("the Corefile rule is not listed: %+v", rs)
	}
	if code, body := api.do(t, http.MethodDelete, "/v1/rules/corefile-rule", nil); code != http.StatusConflict {
		t.Errorf("DELETE of a Corefile rule: %d %s, want 409", code, body)
	}

	if code, body := api.do(t, http.MethodDelete, "/v1/rules/refuse-www", nil); code != http.StatusNoContent {
		t.Fatalf("DELETE /v1/rules/refuse-www: %d %s, want 204", code, body)
	}
	m = harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }, 2*time.Second)
	harness.AssertResponse(t, m, wwwAnswer)
}

// The inspection sees the queries: the top names over the API name the one asked most.
func TestAPITopNames(t *testing.T) {
	api, apiLines := newAPI(t, "")
	s := startFront(t, apiLines)
	for range 30 {
		ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA)
	}
	for range 3 {
		ask(t, s.UDP, "udp", "", "mail.example.org.", dns.TypeA)
	}
	var top struct {
		Total   uint64
		Entries []struct {
			Key   string
			Count uint64
		}
	}
	harness.Eventually(t, 5*time.Second, "www.example.org. on top of /v1/top", func() bool {
		code, body := api.do(t, http.MethodGet, "/v1/top?dimension=names&n=2", nil)
		if code != http.StatusOK || json.Unmarshal(body, &top) != nil {
			t.Fatalf("GET /v1/top: %d %s", code, body)
		}
		return len(top.Entries) == 2 && top.Entries[0].Key == "www.example.org." && top.Entries[0].Count == 30
	})
	if top.Entries[1].Key != "mail.example.org." || top.Entries[1].Count != 3 || top.Total != 33 {
		t.Errorf("top names: %+v, want www 30, mail 3 of 33", top)
	}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "s3cret-token"

type client struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

// serve starts a real Server on a loopback port for b, stopped when the test ends.
func serve(t *testing.T, tok string, b Backend) *client {
	t.Helper()
	s, err := New("127.0.0.1:0", tok, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, base: "http://" + s.Addr(), token: tok, http: &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}}
	t.Cleanup(func() {
		c.http.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

type response struct {
	code   int
	header http.Header
	body   []byte
}

func (r response) errorText() string {
	var e errorBody
	json.Unmarshal(r.body, &e)
	return e.Error
}

func (c *client) do(method, path string, body []byte) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// want checks the status, and that an error comes as {"error": "..."} naming what is wanted.
func (r response) want(t *testing.T, code int, errorContains string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d; body %s", r.code, code, r.body)
	}
	if code >= 400 {
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("error Content-Type %q, want application/json", ct)
		}
		if msg := r.errorText(); msg == "" || !strings.Contains(msg, errorContains) {
			t.Errorf("error %q, want one containing %q (body %s)", msg, errorContains, r.body)
		}
	}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return v
}

func TestNewRefusesNonLoopbackWithoutToken(t *testing.T) {
	for _, addr := range []string{":8054", "0.0.0.0:8054", "[::]:8054", "192.0.2.1:8054", "example.org:8054"} {
		if _, err := New(addr, "", newTestBackend()); err == nil {
			t.Errorf("New(%q) without token succeeded", addr)
		}
		if _, err := New(addr, token, newTestBackend()); err != nil {
			t.Errorf("New(%q) with a token: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:8054", "[::1]:8054", "localhost:8054", "127.0.0.2:0"} {
		if _, err := New(addr, "", newTestBackend()); err != nil {
			t.Errorf("New(%q) without token: %v", addr, err)
		}
	}
	if _, err := New("no-port", token, newTestBackend()); err == nil {
		t.Error("New without a port succeeded")
	}
}

func TestAuth(t *testing.T) {
	b := newTestBackend()
	c := serve(t, token, b)
	for _, path := range []string{"/v1/rules", "/v1/top", "/v1/rates", "/v1/rules/core", "/nowhere"} {
		for _, auth := range []string{"", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
			req, _ := http.NewRequest("GET", c.base+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("GET %s with Authorization %q: %d, WWW-Authenticate %q; want 401 with Bearer",
					path, auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	// A write without the token changes nothing.
	anon := &client{t: t, base: c.base, http: c.http}
	anon.do("POST", "/v1/rules", []byte(`{"id":"x","match":{"suffix":"a."},"action":"drop"}`)).want(t, 401, "token")
	if _, ok := b.Get("x"); ok {
		t.Fatal("a POST without the token added a rule")
	}
	c.do("GET", "/v1/rules", nil).want(t, 200, "")
	lower := &client{t: t, base: c.base, http: c.http}
	req, _ := http.NewRequest("GET", c.base+"/v1/rules", nil)
	req.Header.Set("Authorization", "bearer "+token)
	resp, err := lower.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("scheme in lower case: %d, want 200 (the scheme is case-insensitive)", resp.StatusCode)
	}
}

func TestNoTokenOnLoopback(t *testing.T) {
	c := serve(t, "", newTestBackend())
	c.do("GET", "/v1/rules", nil).want(t, 200, "")
}

func TestTop(t *testing.T) {
	b := newTestBackend()
	c := serve(t, token, b)
	top := decode[inspect.Top](t, c.do("GET", "/v1/top?dimension=names&n=1&labels=2&window=30s", nil))
	if len(top.Entries) != 1 || top.Entries[0] != fixedTop[0] || top.Total != 1000 || top.Labels != 2 {
		t.Fatalf("top = %+v", top)
	}
	if got, want := b.asked[0], (inspect.Query{Dimension: inspect.Names, N: 1, Labels: 2, Window: 30 * time.Second}); got != want {
		t.Fatalf("backend asked %+v, want %+v", got, want)
	}
	c.do("GET", "/v1/top", nil).want(t, 200, "")
	if got := b.asked[1]; got.Dimension != inspect.Names || got.N != 10 {
		t.Fatalf("defaults: asked %+v, want names and n 10", got)
	}
	for _, bad := range []struct{ query, says string }{
		{"dimension=colors", "dimension"},
		{"n=x", "n="},
		{"n=-1", "n="},
		{"n=5000", "n 5000"},
		{"labels=two", "labels="},
		{"window=forever", "window="},
		{"window=-1s", "window="},
		{"window=2h", "window"},
		{"dimensoin=names", "unknown parameter"},
		{"n=1&n=2", "2 times"},
		{"n=%zz", "query string"},
	} {
		c.do("GET", "/v1/top?"+bad.query, nil).want(t, 400, bad.says)
	}
}

func TestRates(t *testing.T) {
	c := serve(t, token, newTestBackend())
	rates := decode[inspect.Rates](t, c.do("GET", "/v1/rates?window=10s", nil))
	if rates.Window != 10*time.Second || rates.QueriesPerSecond != 1500 {
		t.Fatalf("rates = %+v", rates)
	}
	c.do("GET", "/v1/rates?window=soon", nil).want(t, 400, "window=")
	c.do("GET", "/v1/rates?w=1s", nil).want(t, 400, "unknown parameter")
}

func TestRuleLifecycle(t *testing.T) {
	b := newTestBackend()
	c := serve(t, token, b)

	before := requests.WithLabelValues("POST", "201")
	n := testutil.ToFloat64(before)
	r := c.do("POST", "/v1/rules", []byte(`{"id":"bad-example","match":{"suffix":"Bad.Example"},"action":"drop","reason":"flood"}`))
	r.want(t, 201, "")
	if loc := r.header.Get("Location"); loc != "/v1/rules/bad-example" {
		t.Errorf("Location %q", loc)
	}
	created := decode[rules.Rule](t, r)
	if created.Match.Suffix != "bad.example." || created.Origin != rules.FromAPI || created.Created.IsZero() {
		t.Fatalf("created %+v", created)
	}
	if got := testutil.ToFloat64(before); got != n+1 {
		t.Errorf("api_requests_total{POST,201} went from %v to %v", n, got)
	}

	c.do("POST", "/v1/rules", []byte(`{"id":"bad-example","match":{"suffix":"b."},"action":"drop"}`)).want(t, 409, "exists")
	got := decode[rules.Rule](t, c.do("GET", "/v1/rules/bad-example", nil))
	if got.Match.Suffix != "bad.example." || got.Reason != "flood" {
		t.Fatalf("GET after the refused POST: %+v", got)
	}

	// POST without an id: one is given.
	anon := decode[rules.Rule](t, c.do("POST", "/v1/rules", []byte(`{"match":{"cidr":"192.0.2.0/24"},"action":"refused"}`)))
	if anon.ID == "" {
		t.Fatal("POST without id: no id assigned")
	}

	// PUT: 200 replacing, 201 creating; the body's id may be left out.
	c.do("PUT", "/v1/rules/bad-example", []byte(`{"match":{"suffix":"bad.example."},"action":"truncate"}`)).want(t, 200, "")
	if r, _ := b.Get("bad-example"); r.Action != rules.Truncate {
		t.Fatalf("after PUT: %+v", r)
	}
	c.do("PUT", "/v1/rules/new-one", []byte(`{"id":"new-one","match":{"qtype":"any"},"action":"ratelimit","limit":{"qps":10,"burst":20,"per":"client","then":"truncate"}}`)).want(t, 201, "")

	list := decode[ruleList](t, c.do("GET", "/v1/rules", nil))
	var ids []string
	for _, r := range list.Rules {
		ids = append(ids, r.ID)
	}
	if want := "core bad-example " + anon.ID + " new-one"; strings.Join(ids, " ") != want {
		t.Fatalf("GET /v1/rules ids %q, want %q", strings.Join(ids, " "), want)
	}

	c.do("DELETE", "/v1/rules/bad-example", nil).want(t, 204, "")
	c.do("DELETE", "/v1/rules/bad-example", nil).want(t, 404, "no such rule")
	c.do("GET", "/v1/rules/bad-example", nil).want(t, 404, "no such rule")
	c.do("DELETE", "/v1/rules/core", nil).want(t, 409, "Corefile")
	c.do("PUT", "/v1/rules/core", []byte(`{"match":{"suffix":"x."},"action":"drop"}`)).want(t, 409, "Corefile")
}

func TestBadRequestsChangeNothing(t *testing.T) {
	b := newTestBackend()
	c := serve(t, token, b)
	c.do("POST", "/v1/rules", []byte(`{"id":"keep","match":{"suffix":"keep.example."},"action":"drop"}`)).want(t, 201, "")
	before, _ := json.Marshal(b.Rules())

	huge := `{"id":"big","match":{"suffix":"a."},"action":"drop","reason":"` + strings.Repeat("x", MaxBody) + `"}`
	for _, bad := range []struct {
		method, path, body string
		code               int
		says               string
	}{
		{"POST", "/v1/rules", `{"id":"x",`, 400, "json"},
		{"POST", "/v1/rules", `not json`, 400, "json"},
		{"POST", "/v1/rules", ``, 400, "json"},
		{"POST", "/v1/rules", `{"id":"x","match":{"suffix":"a."},"action":"drop","colour":"red"}`, 400, "colour"},
		{"POST", "/v1/rules", `{"id":"x","match":{"suffix":"a."},"action":"drop"} {}`, 400, "after"},
		{"POST", "/v1/rules", `{"id":"x","match":{"suffix":"a."},"action":"explode"}`, 400, "action"},
		{"POST", "/v1/rules", `{"id":"x","match":{},"action":"drop"}`, 400, "match"},
		{"POST", "/v1/rules", `{"id":"X Y","match":{"suffix":"a."},"action":"drop"}`, 400, "id"},
		{"POST", "/v1/rules", `{"id":"x","match":{"cidr":"300.1.1.1/8"},"action":"drop"}`, 400, "cidr"},
		{"POST", "/v1/rules", `{"id":"x","match":{"suffix":"a."},"action":"pool","pool":"nope"}`, 400, "pool"},
		{"POST", "/v1/rules", `{"id":"x","match":{"suffix":"a."},"action":"drop","expires":"2001-01-01T00:00:00Z"}`, 400, "past"},
		{"POST", "/v1/rules", huge, 413, "larger"},
		{"PUT", "/v1/rules/keep", huge, 413, "larger"},
		{"PUT", "/v1/rules/keep", `{"id":"other","match":{"suffix":"a."},"action":"drop"}`, 400, "not the path"},
		{"PUT", "/v1/rules/keep", `{"match":{"suffix":"a."},"action":"drop","unknown":1}`, 400, "unknown"},
		{"PUT", "/v1/rules/KEEP", `{"match":{"suffix":"a."},"action":"drop"}`, 400, "bad rule id"},
		{"PUT", "/v1/rules/" + strings.Repeat("a", 65), `{"match":{"suffix":"a."},"action":"drop"}`, 400, "bad rule id"},
		{"GET", "/v1/rules/a%20b", ``, 400, "bad rule id"},
		{"DELETE", "/v1/rules/Keep", ``, 400, "bad rule id"},
		{"DELETE", "/v1/rules/no-such", ``, 404, "no such rule"},
		{"GET", "/v1/rules?all=1", ``, 400, "unknown parameter"},
		{"GET", "/v1/nothing", ``, 404, "no such endpoint"},
		{"PATCH", "/v1/rules/keep", `{}`, 405, "not allowed"},
		{"DELETE", "/v1/rules", ``, 405, "not allowed"},
	} {
		t.Run(bad.method+" "+bad.path[:min(len(bad.path), 30)]+" "+bad.body[:min(len(bad.body), 30)], func(t *testing.T) {
			c.t = t
			c.do(bad.method, bad.path, []byte(bad.body)).want(t, bad.code, bad.says)
			after, _ := json.Marshal(b.Rules())
			if !bytes.Equal(before, after) {
				t.Fatalf("rules changed by a bad request:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestStopWithoutStart(t *testing.T) {
	s, err := New("127.0.0.1:0", "", newTestBackend())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestStartFailsOnABusyPort(t *testing.T) {
	first, err := New("127.0.0.1:0", "", newTestBackend())
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Stop(context.Background())
	if err := first.Start(); err == nil {
		t.Fatal("second Start of one Server succeeded")
	}
	second, err := New(first.Addr(), "", newTestBackend())
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Start(); err == nil {
		second.Stop(context.Background())
		t.Fatalf("a second Server started on %s, which the first holds", first.Addr())
	}
}

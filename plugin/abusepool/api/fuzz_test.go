package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest sends any method, path, query and body: the API never panics, never answers
// 5xx, answers every error in JSON, and a request answered with an error changes no rule.
func FuzzRequest(f *testing.F) {
	f.Add("POST", "/v1/rules", `{"id":"a","match":{"suffix":"a."},"action":"drop"}`)
	f.Add("PUT", "/v1/rules/a", `{"match":{"cidr":"10.0.0.0/8"},"action":"ratelimit","limit":{"qps":1,"burst":1,"per":"subnet","then":"drop"}}`)
	f.Add("DELETE", "/v1/rules/core", ``)
	f.Add("GET", "/v1/top?dimension=names&n=3&labels=2&window=10s", ``)
	f.Add("GET", "/v1/rates?window=1m", ``)
	f.Add("POST", "/v1/rules", `{"id":"a","match":{"suffix":"a."},"action":"drop"}{}`)
	f.Add("PUT", "/v1/rules/%2e%2e", `{"id":".."}`)
	f.Add("GET", "/v1/top?n=99999999999999999999", ``)
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer "+token)
		b := newTestBackend()
		s, err := New("127.0.0.1:0", token, b)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := json.Marshal(b.Rules())
		rec := httptest.NewRecorder()
		s.handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, target, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%s %s: %d with body %q, want a JSON error", method, target, rec.Code, rec.Body)
			}
			after, _ := json.Marshal(b.Rules())
			if !bytes.Equal(before, after) {
				t.Fatalf("%s %s %q answered %d but changed the rules", method, target, body, rec.Code)
			}
		}
	})
}

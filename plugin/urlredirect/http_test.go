package urlredirect

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(r http.Handler, method, target, host string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	req.Host = host
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func TestServeHTTP(t *testing.T) {
	z := newZone(t,
		`go.example.org. 120 IN URL "https://www.example.com/" 302`,
		`keep.example.org. 120 IN URL "https://www.example.com/base/?a=1" 308`,
		`fixed.example.org. 120 IN URL "https://www.example.com/landing" 307 nopath`,
		`plain.example.org. 120 IN URL "http://www.example.com"`,
		`text.example.org. 120 IN TXT "x"`,
		`odd.example.org. 120 IN URL "https://www.example.com/caf\195\169 x"`,
	)
	r := newTestRedirect(z, false)
	cases := []struct {
		method, target, host string
		code                 int
		loc                  string
	}{
		{"GET", "/", "go.example.org", 302, "https://www.example.com/"},
		{"GET", "/a/b?c=d", "GO.Example.ORG.:8080", 302, "https://www.example.com/a/b?c=d"},
		{"HEAD", "/x", "go.example.org", 302, "https://www.example.com/x"},
		{"POST", "/x", "go.example.org", 302, "https://www.example.com/x"},
		{"GET", "/", "keep.example.org", 308, "https://www.example.com/base/?a=1"},
		{"GET", "/p%2Fq?z=1", "keep.example.org", 308, "https://www.example.com/base/p%2Fq?a=1&z=1"},
		{"GET", "/p?z", "fixed.example.org", 307, "https://www.example.com/landing"},
		{"GET", "/p", "plain.example.org", 301, "http://www.example.com/p"},
		{"GET", "/", "odd.example.org", 301, "https://www.example.com/caf%C3%A9%20x"},
		{"GET", "/", "text.example.org", 404, ""},
		{"GET", "/", "none.example.org", 404, ""},
		{"GET", "/", "example.net", 404, ""},
		{"GET", "/", "192.0.2.1", 404, ""},
		{"GET", "/", "[::1]:80", 404, ""},
		{"GET", "/", "go.example.org:http", 404, ""},
		{"GET", "/", "", 404, ""},
	}
	for _, tc := range cases {
		w := get(r, tc.method, tc.target, tc.host)
		if w.Code != tc.code || w.Header().Get("Location") != tc.loc {
			t.Errorf("%s %s Host %q: %d %q, want %d %q", tc.method, tc.target, tc.host, w.Code, w.Header().Get("Location"), tc.code, tc.loc)
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.host, ct)
		}
		body := w.Body.String()
		switch {
		case tc.code == 404 && body != notFoundBody:
			t.Errorf("%s: 404 body %q", tc.host, body)
		case tc.code != 404 && body != "Redirecting to "+tc.loc+"\n":
			t.Errorf("%s: body %q", tc.host, body)
		}
	}
}

// A record deleted after it was served gives 404 once the memo window has passed; within
// the window the memo answers without asking the chain.
func TestServeHTTPMemo(t *testing.T) {
	z := newZone(t, `go.example.org. 120 IN URL "https://www.example.com/"`)
	r := newTestRedirect(z, true)
	for range 3 {
		if w := get(r, "GET", "/", "go.example.org"); w.Code != 301 {
			t.Fatalf("got %d", w.Code)
		}
	}
	if z.asks() != 1 {
		t.Errorf("chain asked %d times for one host within the memo window", z.asks())
	}
	z.clear("go.example.org.")
	r.memo = nil // the window has passed
	if w := get(r, "GET", "/", "go.example.org"); w.Code != 404 || w.Header().Get("Location") != "" {
		t.Errorf("deleted record: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// Nothing from a request reaches the Location unescaped, and an over-long redirect is a 404.
func TestServeHTTPInjection(t *testing.T) {
	z := newZone(t, `go.example.org. 120 IN URL "https://www.example.com/"`)
	r := newTestRedirect(z, false)
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = "go.example.org"
	req.URL.Path, req.URL.RawPath = "/a\r\nSet-Cookie: x=1", ""
	req.URL.RawQuery = "q=\r\nX: \xff"
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	loc := w.Header().Get("Location")
	if w.Code != 301 || strings.ContainsAny(loc, "\r\n ") || strings.IndexByte(loc, 0xff) >= 0 {
		t.Errorf("%d %q", w.Code, loc)
	}
	if w := get(r, "GET", "/"+strings.Repeat("a", maxLocation), "go.example.org"); w.Code != 404 {
		t.Errorf("over-long Location: %d", w.Code)
	}
	for _, h := range []string{"go.example.org\r\nX: y", "go.example.org\x00", "gö.example.org", strings.Repeat("a.", 200) + "example.org"} {
		if w := get(r, "GET", "/", h); w.Code != 404 {
			t.Errorf("Host %q: %d", h, w.Code)
		}
	}
}

package urlredirect

import (
	"crypto/tls"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// https_upgrade: plain http for a URL name goes to https on the same host first (301 for
// GET/HEAD, 308 otherwise), and over https the record's redirect follows. A name without
// a record still gets 404.
func TestHTTPSUpgrade(t *testing.T) {
	z := newZone(t, `go.example.org. 120 IN URL "https://www.example.com/" 302`)
	for _, tc := range []struct {
		port, method, target, host string
		tls                        bool
		code                       int
		loc                        string
	}{
		{"443", "GET", "/a/b?c=d", "go.example.org", false, 301, "https://go.example.org/a/b?c=d"},
		{"443", "HEAD", "/", "GO.example.org:80", false, 301, "https://GO.example.org/"},
		{"443", "POST", "/form", "go.example.org", false, 308, "https://go.example.org/form"},
		{"8443", "GET", "/x", "go.example.org:8080", false, 301, "https://go.example.org:8443/x"},
		{"443", "GET", "/x", "none.example.org", false, 404, ""},
		{"443", "GET", "/a/b?c=d", "go.example.org", true, 302, "https://www.example.com/a/b?c=d"},
	} {
		r := newTestRedirect(z, false)
		r.upgrade, r.httpsPort = true, tc.port
		req := httptest.NewRequest(tc.method, tc.target, nil)
		req.Host = tc.host
		if tc.tls {
			req.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != tc.code || w.Header().Get("Location") != tc.loc {
			t.Errorf("%s %s%s (https %v, port %s): %d %q, want %d %q", tc.method, tc.host, tc.target, tc.tls, tc.port,
				w.Code, w.Header().Get("Location"), tc.code, tc.loc)
		}
	}
}

// A record pointing at the very URL asked for (scheme, host, port, path) gets 404 "redirect
// loop", over http and https, whatever the default port spelling; a different path, port
// or scheme is a redirect.
func TestRedirectLoop(t *testing.T) {
	z := newZone(t,
		`self.example.org. 120 IN URL "https://self.example.org/" 301`,
		`plain.example.org. 120 IN URL "http://plain.example.org:80/" 302 nopath`,
		`port.example.org. 120 IN URL "https://port.example.org:8443/"`,
	)
	r := newTestRedirect(z, false)
	for _, tc := range []struct {
		target, host string
		tls          bool
		code         int
	}{
		{"/", "self.example.org", true, 404},
		{"/a?q", "self.example.org.:443", true, 404}, // the path is appended: the same URL again
		{"/", "self.example.org", false, 301},        // http to https: no loop
		{"/", "plain.example.org", false, 404},
		{"/other", "plain.example.org", false, 302}, // nopath: one hop to "/", which is then the loop
		{"/", "port.example.org", true, 301},
		{"/", "port.example.org:8443", true, 404},
	} {
		req := httptest.NewRequest("GET", tc.target, nil)
		req.Host = tc.host
		if tc.tls {
			req.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != tc.code {
			t.Errorf("%s%s (https %v): %d %q, want %d", tc.host, tc.target, tc.tls, w.Code, w.Header().Get("Location"), tc.code)
		}
		if tc.code == 404 && !strings.Contains(w.Body.String(), "redirect loop") {
			t.Errorf("%s%s: body %q, want a redirect loop", tc.host, tc.target, w.Body.String())
		}
	}
}

// FuzzNoLoop: whatever the request and the record, the redirector never answers with a
// redirect to the URL asked for, and the upgrade only ever goes to https on the same host.
func FuzzNoLoop(f *testing.F) {
	for _, s := range []struct {
		target, host, record string
		tls, upgrade         bool
	}{
		{"/", "go.example.org", "https://go.example.org/", true, false},
		{"/a?b", "go.example.org:443", "https://go.example.org:443/a", true, true},
		{"/", "go.example.org", "http://go.example.org", false, false},
		{"/%41", "go.example.org.", "http://GO.example.org/A", false, true},
		{"/x", "go.example.org:8080", "https://www.example.com/", false, true},
	} {
		f.Add(s.target, s.host, s.record, s.tls, s.upgrade)
	}
	f.Fuzz(func(t *testing.T, target, host, record string, secure, upgrade bool) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target+record, " \t\r\n\"\\") {
			return
		}
		if _, err := url.ParseRequestURI(target); err != nil {
			return // net/http would have refused the request line
		}
		z := newZone(t)
		if err := z.trySet(`go.example.org. 60 IN URL "` + record + `" 302`); err != nil {
			return
		}
		r := newTestRedirect(z, false)
		r.upgrade, r.httpsPort = upgrade, "8443"
		req := httptest.NewRequest("GET", "http://x"+target, nil)
		req.Host = host
		if secure {
			req.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		loc := w.Header().Get("Location")
		if w.Code/100 == 3 && isLoop(loc, req) {
			t.Errorf("%s%s (https %v): redirect to itself, %s", host, target, secure, loc)
		}
		if upgrade && !secure && w.Code == 301 && !strings.HasPrefix(loc, "https://") {
			t.Errorf("upgrade of %s%s went to %s", host, target, loc)
		}
	})
}

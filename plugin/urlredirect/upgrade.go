package urlredirect

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// upgradeLocation is where https_upgrade sends a plain-http request: the same host (its
// Host header without the port), the https listener's port unless it is 443, the same
// path and query. host has passed hostName.
func (r *Redirect) upgradeLocation(req *http.Request) (string, bool) {
	h := req.Host
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	if r.httpsPort != "" && r.httpsPort != "443" {
		h = net.JoinHostPort(h, r.httpsPort)
	}
	loc := "https://" + h + escapeUnsafe(req.URL.EscapedPath(), "?#")
	if q := req.URL.RawQuery; q != "" {
		loc += "?" + escapeUnsafe(q, "#")
	}
	if len(loc) > maxLocation || !safe(loc) {
		return "", false
	}
	return loc, true
}

// upgradeStatus is 301 for GET and HEAD, which every client follows (308 is younger,
// RFC 7538), and 308 for other methods, which must not be turned into a GET (RFC 9110
// section 15.4.2 lets clients do that on a 301).
func upgradeStatus(method string) int {
	if method == http.MethodGet || method == http.MethodHead {
		return http.StatusMovedPermanently
	}
	return http.StatusPermanentRedirect
}

// sameHost reports whether the target's host is the request's Host, ports aside: the
// only case in which a redirect can be a loop (isLoop), told without parsing anything.
func (t *target) sameHost(reqHost string) bool {
	return strings.EqualFold(strings.TrimSuffix(stripPort(t.host), "."), strings.TrimSuffix(stripPort(reqHost), "."))
}

// stripPort drops a ":port" from host[:port].
func stripPort(h string) string {
	if strings.IndexByte(h, ':') < 0 {
		return h // no port, and net.SplitHostPort's error would cost an allocation
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}

// isLoop reports whether loc names the resource req asked for: the same scheme, host,
// port and path. Following such a redirect would ask the same question again, forever.
func isLoop(loc string, req *http.Request) bool {
	u, err := url.Parse(loc)
	if err != nil {
		return false
	}
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	if u.Scheme != scheme || !strings.EqualFold(hostPort(u.Host, scheme), hostPort(req.Host, scheme)) {
		return false
	}
	return pathOf(u.EscapedPath()) == pathOf(req.URL.EscapedPath())
}

// hostPort adds the scheme's default port to a host that has none, and drops a trailing
// dot, so go.example.org, go.example.org. and go.example.org:80 compare equal over http.
func hostPort(h, scheme string) string {
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = h, "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.TrimSuffix(host, "."), port)
}

func pathOf(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

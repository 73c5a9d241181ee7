package urlredirect

import (
	"net/url"
	"strings"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

// Limits on what the redirector accepts and sends.
const (
	maxHost     = 255      // a Host header longer than any domain name (with a port) is refused
	maxLocation = 8 * 1024 // a longer Location is not sent: many clients and proxies refuse it
)

// hostName turns a Host header (or a TLS server name) into the fully qualified lower-case
// domain name whose URL record is looked up. It refuses IP literals, ports that are not
// numbers, and anything that is not a host name of letters, digits, '-' and '_' in labels
// of 1 to 63 octets, at most 253 octets in all (RFC 1035 section 2.3.4; '_' because zones
// hold such names). What it refuses is answered 404, never looked up.
func hostName(h string) (string, bool) {
	if len(h) == 0 || len(h) > maxHost || h[0] == '[' {
		return "", false
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if !digits(h[i+1:]) {
			return "", false
		}
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if len(h) == 0 || len(h) > 253 {
		return "", false
	}
	label := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if label == 0 {
				return "", false
			}
			label = 0
			continue
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return "", false
		}
		if label++; label > 63 {
			return "", false
		}
	}
	return strings.ToLower(h) + ".", true
}

func digits(s string) bool {
	if len(s) == 0 || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// target is a URL record's target, parsed once when the record is looked up (find), not at
// every request it redirects.
type target struct {
	rec      *rrtypes.URL
	ok       bool   // an absolute http or https URL with a host; else every redirect is a 404
	scheme   string // lower case
	host     string // as written in the record (with its port, if any)
	prefix   string // scheme://[userinfo@]host
	path     string // escaped
	query    string // raw
	fragment string // escaped, without '#'
}

// parseTarget parses rec's target.
func parseTarget(rec *rrtypes.URL) *target {
	t := &target{rec: rec}
	u, err := url.Parse(rec.Target)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return t
	}
	t.scheme = strings.ToLower(u.Scheme)
	if t.scheme != "http" && t.scheme != "https" {
		return t
	}
	t.ok = true
	t.host = u.Host
	t.prefix = (&url.URL{Scheme: t.scheme, User: u.User, Host: u.Host}).String()
	t.path, t.query = u.EscapedPath(), u.RawQuery
	if u.Fragment != "" {
		t.fragment = u.EscapedFragment()
	}
	return t
}

// location returns the Location of the redirect that rec gives a request for path and
// query (the request's escaped path and raw query). Unless rec has nopath, the request's
// path is added to the target's (a request for "/" keeps the target's path as it is) and
// its query to the target's query. The result is printable ASCII without blanks, at most
// maxLocation octets, with scheme http or https, or ok is false: nothing a record or a
// request holds can end up as another header or break the status line.
func location(rec *rrtypes.URL, path, query string) (loc string, ok bool) {
	return parseTarget(rec).location(path, query)
}

func (t *target) location(path, query string) (loc string, ok bool) {
	if !t.ok {
		return "", false
	}
	p, q := t.path, t.query
	if !t.rec.NoPath {
		if path != "" && path != "/" {
			if path[0] != '/' { // "OPTIONS *", or a client's garbage: never glue it to the host
				path = "/" + path
			}
			p = strings.TrimSuffix(p, "/") + escapeUnsafe(path, "?#")
		}
		if query != "" {
			if q != "" {
				q += "&"
			}
			q += escapeUnsafe(query, "#")
		}
	}
	var b strings.Builder
	b.Grow(len(t.prefix) + len(p) + len(q) + len(t.fragment) + 2)
	b.WriteString(t.prefix)
	b.WriteString(p)
	if q != "" {
		b.WriteString("?")
		b.WriteString(q)
	}
	if t.fragment != "" {
		b.WriteString("#")
		b.WriteString(t.fragment)
	}
	loc = b.String()
	if len(loc) > maxLocation || !safe(loc) {
		return "", false
	}
	return loc, true
}

// escapeUnsafe percent-encodes the octets of a request's path or query that may not stand in
// a header (blanks, control characters, non-ASCII) and those of also, which would end the
// part early. Go's server has already refused control characters in the request line;
// this is the second line of defence.
//
// A '%' that does not start an escape is escaped itself (a parsed request has none).
func escapeUnsafe(s, also string) string {
	if safe(s) && !strings.ContainsAny(s, also) && !badEscape(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && strings.IndexByte(also, c) < 0 && (c != '%' || escapeAt(s, i)) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// safe reports whether s is printable ASCII without blanks.
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// badEscape reports whether s has a '%' not followed by two hex digits.
func badEscape(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0; {
		if !escapeAt(s, i) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// escapeAt reports whether s[i], a '%', starts a valid escape.
func escapeAt(s string, i int) bool {
	return i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

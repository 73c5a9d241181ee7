package urlredirect

import (
	"io"
	"net/http"
	"strconv"
)

// ServeHTTP implements http.Handler: the redirector. A request for a host that holds a
// valid URL record gets the record's redirect; anything else gets a plain 404, never a
// redirect elsewhere.
func (r *Redirect) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	host, ok := hostName(req.Host)
	if !ok {
		notFound(w)
		return
	}
	rec := r.find(req.Context(), host)
	if rec == nil {
		notFound(w)
		return
	}
	if r.upgrade && req.TLS == nil {
		// https_upgrade: the record's redirect is given over https only.
		if loc, ok := r.upgradeLocation(req); ok {
			redirect(w, loc, upgradeStatus(req.Method))
			return
		}
		notFound(w)
		return
	}
	loc, ok := rec.location(req.URL.EscapedPath(), req.URL.RawQuery)
	if !ok {
		log.Debugf("URL record of %s gives no valid redirect", host)
		notFound(w)
		return
	}
	if rec.sameHost(req.Host) && isLoop(loc, req) {
		log.Debugf("URL record of %s redirects %s to itself", host, req.URL.EscapedPath())
		writeNotFound(w, loopBody)
		return
	}
	code := int(rec.rec.Code)
	if code == 0 {
		code = http.StatusMovedPermanently
	}
	redirect(w, loc, code)
}

// redirect sends a redirect to loc, a safe Location (see location).
func redirect(w http.ResponseWriter, loc string, code int) {
	h := w.Header()
	// Canonical keys, set directly: h.Set would canonicalize them at every request.
	h["Location"] = []string{loc}
	h["Content-Type"] = plainText
	h["Content-Length"] = []string{strconv.Itoa(len(bodyStart) + len(loc) + 1)}
	h["X-Content-Type-Options"] = noSniff
	w.WriteHeader(code)
	redirected(code)
	// The body in pieces, not concatenated: net/http buffers them. A HEAD request gets
	// the headers only: net/http drops the body.
	io.WriteString(w, bodyStart)
	io.WriteString(w, loc)
	io.WriteString(w, "\n")
}

// bodyStart begins a redirect's body; the Location and a newline end it.
const bodyStart = "Redirecting to "

// Header values every answer shares: net/http only reads them.
var (
	plainText = []string{"text/plain; charset=utf-8"}
	noSniff   = []string{"nosniff"}
)

const (
	notFoundBody = "404 not found: no redirect for this host\n"
	loopBody     = "404 not found: redirect loop (the URL record points at this URL)\n"
)

func notFound(w http.ResponseWriter) { writeNotFound(w, notFoundBody) }

func writeNotFound(w http.ResponseWriter, body string) {
	unknownHostCount.Inc()
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, body)
}

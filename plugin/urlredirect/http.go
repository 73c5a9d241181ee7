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
	loc, ok := location(rec, req.URL.EscapedPath(), req.URL.RawQuery)
	if !ok {
		log.Debugf("URL record of %s gives no valid redirect", host)
		notFound(w)
		return
	}
	code := int(rec.Code)
	if code == 0 {
		code = http.StatusMovedPermanently
	}
	body := "Redirecting to " + loc + "\n"
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	redirectCount.WithLabelValues(strconv.Itoa(code)).Inc()
	io.WriteString(w, body) // a HEAD request gets the headers only: net/http drops the body
}

const notFoundBody = "404 not found: no redirect for this host\n"

func notFound(w http.ResponseWriter) {
	unknownHostCount.Inc()
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(notFoundBody)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, notFoundBody)
}

package api

import (
	"net/http"
	"strconv"
	"strings"
)

// handler is every endpoint, behind the request counter, the token check and JSON errors
// for unknown paths and methods. The token is checked before the path, so without it
// nothing, not even which paths exist, is shown.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/top", s.top)
	mux.HandleFunc("GET /v1/rates", s.rates)
	mux.HandleFunc("GET /v1/rules", s.list)
	mux.HandleFunc("POST /v1/rules", s.create)
	mux.HandleFunc("GET /v1/rules/{id}", s.get)
	mux.HandleFunc("PUT /v1/rules/{id}", s.put)
	mux.HandleFunc("DELETE /v1/rules/{id}", s.remove)
	return count(s.authenticate(jsonErrors(mux)))
}

// jsonErrors answers what mux has no handler for (404, 405) in JSON like every other error.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, rec.code, "method "+r.Method+" not allowed on "+r.URL.Path+"; allowed: "+allow)
			return
		}
		writeError(w, rec.code, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// statusOnly keeps what the mux's own 404 and 405 handlers set, and drops their text.
type statusOnly struct {
	header http.Header
	code   int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int)        { s.code = code }

// count counts every request by method and status code.
func count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		requests.WithLabelValues(methodLabel(r.Method), strconv.Itoa(rec.code)).Inc()
	})
}

// methodLabel keeps the method label's values few.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete:
		return m
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// validID reports whether id can name a rule: 1-64 of [a-z0-9._-].
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	return strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789._-") == ""
}

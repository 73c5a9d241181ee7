package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"
)

// errorBody is every error's JSON.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

// writeBackendError answers a Backend error with the status it means.
func writeBackendError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, rules.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, state.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, state.ErrExists), errors.Is(err, state.ErrCorefileRule):
		code = http.StatusConflict
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		code = http.StatusServiceUnavailable
	default:
		log.Errorf("API: %v", err)
	}
	writeError(w, code, err.Error())
}

// readRule reads and strictly decodes a rule from the body, answering bad ones itself.
func readRule(w http.ResponseWriter, r *http.Request) (rules.Rule, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxBody))
		return rules.Rule{}, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return rules.Rule{}, false
	}
	rule, err := rules.ParseJSON(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return rules.Rule{}, false
	}
	return rule, true
}

// params reads a query string that may hold only the names allowed, each at most once.
type params struct {
	v   url.Values
	err error
}

func parseParams(r *http.Request, allowed ...string) *params {
	p := &params{}
	p.v, p.err = url.ParseQuery(r.URL.RawQuery)
	if p.err != nil {
		p.err = fmt.Errorf("query string: %v", p.err)
		return p
	}
	for name, vs := range p.v {
		if !contains(allowed, name) {
			p.err = fmt.Errorf("unknown parameter %q (allowed: %v)", name, allowed)
		} else if len(vs) > 1 {
			p.err = fmt.Errorf("parameter %q given %d times", name, len(vs))
		}
	}
	return p
}

func (p *params) int(name string, def int) int {
	s := p.v.Get(name)
	if s == "" || p.err != nil {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		p.err = fmt.Errorf("%s=%q: want a whole number ≥ 0", name, s)
	}
	return n
}

func (p *params) duration(name string) time.Duration {
	s := p.v.Get(name)
	if s == "" || p.err != nil {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.err = fmt.Errorf("%s=%q: want a duration like 10s or 1m", name, s)
	}
	return d
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// quote quotes s for an error message, cut short when long.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}

package api

import (
	"net/http"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// top: GET /v1/top?dimension=names&n=10&labels=2&window=60s
func (s *Server) top(w http.ResponseWriter, r *http.Request) {
	p := parseParams(r, "dimension", "n", "labels", "window")
	q := inspect.Query{Dimension: inspect.Dimension(p.v.Get("dimension"))}
	if q.Dimension == "" {
		q.Dimension = inspect.Names
	}
	q.N = p.int("n", 10)
	q.Labels = p.int("labels", 0)
	q.Window = p.duration("window")
	if p.err != nil {
		writeError(w, http.StatusBadRequest, p.err.Error())
		return
	}
	top, err := s.b.Top(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, top)
}

// rates: GET /v1/rates?window=10s (no window: all of the inspection window)
func (s *Server) rates(w http.ResponseWriter, r *http.Request) {
	p := parseParams(r, "window")
	window := p.duration("window")
	if p.err != nil {
		writeError(w, http.StatusBadRequest, p.err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.b.Rates(window))
}

// ruleList is the JSON of GET /v1/rules.
type ruleList struct {
	Rules []rules.Rule `json:"rules"`
}

// list: GET /v1/rules, in precedence order.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	if p := parseParams(r); p.err != nil {
		writeError(w, http.StatusBadRequest, p.err.Error())
		return
	}
	rs := s.b.Rules()
	if rs == nil {
		rs = []rules.Rule{}
	}
	writeJSON(w, http.StatusOK, ruleList{Rules: rs})
}

// get: GET /v1/rules/{id}
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rule, found := s.b.Get(id)
	if !found {
		writeError(w, http.StatusNotFound, "no such rule: "+id)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

// create: POST /v1/rules; 201, or 409 when the id is taken.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	rule, ok := readRule(w, r)
	if !ok {
		return
	}
	rule, err := s.b.Add(r.Context(), rule)
	if err != nil {
		writeBackendError(w, err)
		return
	}
	w.Header().Set("Location", "/v1/rules/"+rule.ID)
	writeJSON(w, http.StatusCreated, rule)
}

// put: PUT /v1/rules/{id}; 200 when it replaced a rule, 201 when it made one. The body's
// id may be left out, else it must be the path's.
func (s *Server) put(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rule, ok := readRule(w, r)
	if !ok {
		return
	}
	if rule.ID != "" && rule.ID != id {
		writeError(w, http.StatusBadRequest, "body id "+rule.ID+" is not the path's "+id)
		return
	}
	rule.ID = id
	_, existed := s.b.Get(id)
	rule, err := s.b.Put(r.Context(), rule)
	if err != nil {
		writeBackendError(w, err)
		return
	}
	code := http.StatusCreated
	if existed {
		code = http.StatusOK
	}
	writeJSON(w, code, rule)
}

// remove: DELETE /v1/rules/{id}; 204, 404, or 409 for a Corefile rule.
func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.b.Delete(r.Context(), id); err != nil {
		writeBackendError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pathID is the {id} of the path, answering 400 itself when it cannot name a rule.
func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !validID(id) {
		writeError(w, http.StatusBadRequest, "bad rule id "+quote(id)+": want 1-64 of [a-z0-9._-]")
		return "", false
	}
	return id, true
}

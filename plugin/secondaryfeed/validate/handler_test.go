package validate

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
)

func reports() []report.Report {
	many := make([]report.Problem, MaxProblemsPerZone+5)
	for i := range many {
		many[i] = report.Problem{Name: "n" + strconv.Itoa(i) + ".big.example.", Type: "A", Rule: "duplicate", Detail: "d", Severity: report.Warning}
	}
	many[0].Severity = report.Error
	return []report.Report{
		{Zone: "example.org.", Serial: 7, Checked: time.Unix(1700000000, 0).UTC(),
			Problems: []report.Problem{{Name: "www.example.org.", Type: "CNAME", Rule: "cname-beside-data", Detail: "a CNAME beside TXT records", Severity: report.Error}}},
		{Zone: "big.example.", Serial: 1, Problems: many},
		{Zone: "ok.example.", Serial: 3},
	}
}

type decoded struct {
	Zone      string           `json:"zone"`
	Serial    uint32           `json:"serial"`
	Valid     bool             `json:"valid"`
	Errors    int              `json:"errors"`
	Warnings  int              `json:"warnings"`
	Truncated bool             `json:"truncated"`
	Problems  []report.Problem `json:"problems"`
}

func get(t *testing.T, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	Handler(reports).ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

func TestHandlerList(t *testing.T) {
	w := get(t, http.MethodGet, "/")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", w.Code, w.Header().Get("Content-Type"))
	}
	var l struct {
		Zones          []decoded
		Total, Invalid int
		Truncated      bool
	}
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Zones) != 3 || l.Total != 3 || l.Invalid != 2 || l.Truncated {
		t.Fatalf("%d zones, %+v", len(l.Zones), l)
	}
	big, a, ok := l.Zones[0], l.Zones[1], l.Zones[2] // invalid first, by name
	if a.Zone != "example.org." || a.Serial != 7 || a.Valid || a.Errors != 1 || a.Truncated || len(a.Problems) != 1 || a.Problems[0].Rule != "cname-beside-data" {
		t.Errorf("example.org.: %+v", a)
	}
	if big.Valid || big.Errors != 1 || big.Warnings != MaxProblemsPerZone+4 || !big.Truncated || len(big.Problems) != MaxProblemsInList {
		t.Errorf("big.example.: %+v", big)
	}
	if !ok.Valid || ok.Problems == nil || len(ok.Problems) != 0 {
		t.Errorf("ok.example.: %+v", ok)
	}
}

func TestHandlerOne(t *testing.T) {
	w := get(t, http.MethodGet, "/?zone=BIG.example")
	var one decoded
	if err := json.Unmarshal(w.Body.Bytes(), &one); err != nil || w.Code != http.StatusOK {
		t.Fatalf("status %d, %v", w.Code, err)
	}
	if one.Zone != "big.example." || len(one.Problems) != MaxProblemsPerZone || !one.Truncated {
		t.Errorf("got zone %s with %d problems, truncated %v", one.Zone, len(one.Problems), one.Truncated)
	}
	w = get(t, http.MethodGet, "/?zone=nope.example.")
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "not fed") {
		t.Errorf("unknown zone: %d %s", w.Code, w.Body)
	}
}

func TestHandlerMethods(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		w := get(t, m, "/")
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q", m, w.Code, w.Header().Get("Allow"))
		}
	}
	if w := get(t, http.MethodHead, "/"); w.Code != http.StatusOK {
		t.Errorf("HEAD: %d", w.Code)
	}
}

func TestHandlerManyZones(t *testing.T) {
	var all []report.Report
	for i := range MaxZonesInList + 1 {
		all = append(all, report.Report{Zone: "z" + strconv.Itoa(i) + ".example."})
	}
	all[MaxZonesInList].Problems = []report.Problem{{Name: "x.", Type: "SOA", Rule: "soa-missing", Detail: "d", Severity: report.Error}}
	w := httptest.NewRecorder()
	Handler(func() []report.Report { return all }).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	var l struct {
		Zones     []decoded
		Total     int
		Truncated bool
	}
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Zones) != MaxZonesInList || l.Total != MaxZonesInList+1 || !l.Truncated || l.Zones[0].Valid {
		t.Errorf("%d zones of %d, truncated %v, first valid %v: want the invalid zone kept, first", len(l.Zones), l.Total, l.Truncated, l.Zones[0].Valid)
	}
}

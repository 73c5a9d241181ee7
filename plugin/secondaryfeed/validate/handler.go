package validate

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"

	"github.com/miekg/dns"
)

// Bounds of what Handler writes: a zone with a million broken records must not make a
// response of a hundred megabytes.
const (
	MaxProblemsPerZone = 1000 // with ?zone=
	MaxProblemsInList  = 20   // per zone in the list of all zones
	MaxZonesInList     = 10000
)

// list is the answer without ?zone=: the zones by name, the ones with errors first.
type list struct {
	Zones     []zoneReport `json:"zones"`
	Total     int          `json:"total"`     // zones fed
	Invalid   int          `json:"invalid"`   // zones with errors
	Truncated bool         `json:"truncated"` // zones were left out (valid ones first)
}

// zoneReport is a report.Report as served: counts first, problems bounded.
type zoneReport struct {
	report.Report
	Valid     bool `json:"valid"` // no errors: this version is fed
	Errors    int  `json:"errors"`
	Warnings  int  `json:"warnings"`
	Truncated bool `json:"truncated"` // problems were left out; the counts are complete
}

// Handler serves the reports reports returns as JSON: GET (or HEAD) with ?zone=NAME for
// one zone (404 if it is not fed), without it for every zone. Other methods get 405.
// It reads no request body.
func Handler(reports func() []report.Report) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		all := reports()
		if z := r.URL.Query().Get("zone"); z != "" {
			one(w, all, z)
			return
		}
		write(w, http.StatusOK, listed(all))
	})
}

// one writes the report of zone z, or 404.
func one(w http.ResponseWriter, all []report.Report, z string) {
	z = dns.CanonicalName(strings.TrimSpace(z))
	for _, rp := range all {
		if dns.CanonicalName(rp.Zone) == z {
			write(w, http.StatusOK, served(rp, MaxProblemsPerZone))
			return
		}
	}
	write(w, http.StatusNotFound, map[string]string{"error": "zone " + z + " is not fed"})
}

// listed returns every report, the invalid ones first, each by zone name, at most
// MaxZonesInList of them.
func listed(all []report.Report) list {
	l := list{Zones: make([]zoneReport, 0, min(len(all), MaxZonesInList)), Total: len(all)}
	for _, rp := range all {
		l.Zones = append(l.Zones, served(rp, MaxProblemsInList))
	}
	slices.SortFunc(l.Zones, func(a, b zoneReport) int {
		if a.Valid != b.Valid {
			if a.Valid {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Zone, b.Zone)
	})
	for _, z := range l.Zones {
		if !z.Valid {
			l.Invalid++
		}
	}
	if len(l.Zones) > MaxZonesInList {
		l.Zones, l.Truncated = l.Zones[:MaxZonesInList], true
	}
	return l
}

func served(rp report.Report, limit int) zoneReport {
	s := zoneReport{Report: rp}
	for _, p := range rp.Problems {
		if p.Severity == report.Error {
			s.Errors++
		} else {
			s.Warnings++
		}
	}
	s.Valid = s.Errors == 0
	if len(rp.Problems) > limit {
		s.Problems, s.Truncated = rp.Problems[:limit], true
	}
	if s.Problems == nil {
		s.Problems = []report.Problem{}
	}
	return s
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

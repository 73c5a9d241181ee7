// Package report holds the one problem type secondaryfeed's steps share: flatten reports
// conversions that failed, validate reports zones that break the rules, and the per-zone
// report served over HTTP lists both.
package report

import (
	"cmp"
	"slices"
	"time"
)

// Severities. An error stops a zone version from being fed (the last valid one keeps
// feeding); a warning is reported and the version is fed.
const (
	Error   = "error"
	Warning = "warning"
)

// Problem is one thing wrong with a zone: where (owner name and type), which rule, why.
type Problem struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Rule     string `json:"rule"`
	Detail   string `json:"detail"`
	Severity string `json:"severity"`
}

// Report is what is known about one fed zone's last rebuild.
type Report struct {
	Zone     string    `json:"zone"`
	Serial   uint32    `json:"serial"`  // the source serial that was checked
	Checked  time.Time `json:"checked"` // when the rebuild ran
	Problems []Problem `json:"problems"`
}

// HasErrors reports whether any of ps is an error.
func HasErrors(ps []Problem) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Severity == Error })
}

// Sort orders ps by name, type, rule and detail, so that two checks of the same zone
// list the same problems in the same order (Same relies on it).
func Sort(ps []Problem) {
	slices.SortFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Detail, b.Detail),
			cmp.Compare(a.Severity, b.Severity))
	})
}

// Same reports whether a and b list the same problems, in order: a caller logs a zone's
// problems once per change by comparing the new list to the previous one.
func Same(a, b []Problem) bool { return slices.Equal(a, b) }

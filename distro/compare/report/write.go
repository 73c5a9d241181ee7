package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// WriteText writes the report for a terminal: each kind of difference with its zones and
// examples, the accepted reasons, the errors, and the summary line last.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, k := range r.Kinds {
		writeKind(&b, string(k.Kind), "answers", k)
	}
	if r.Errors.Answers > 0 {
		writeKind(&b, "errors", "queries", r.Errors)
	}
	if len(r.Accepted) > 0 {
		b.WriteString("accepted:\n")
		for _, a := range r.Accepted {
			fmt.Fprintf(&b, "  %d  %s\n", a.Answers, a.Reason)
		}
	}
	b.WriteString(r.Line + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeKind(b *strings.Builder, name, unit string, k KindReport) {
	fmt.Fprintf(b, "%s: %d %s\n", name, k.Answers, unit)
	var zs []string
	for i, z := range k.Zones {
		if i == 10 {
			zs = append(zs, fmt.Sprintf("and %d more zones", len(k.Zones)-10))
			break
		}
		zs = append(zs, fmt.Sprintf("%s %d", z.Zone, z.Answers))
	}
	fmt.Fprintf(b, "  zones: %s\n", strings.Join(zs, ", "))
	for _, ex := range k.Examples {
		fmt.Fprintf(b, "  %s\n", ex.Query)
		if ex.Error != "" {
			fmt.Fprintf(b, "    %s\n", ex.Error)
		}
		for _, d := range ex.Differences {
			fmt.Fprintf(b, "    %s\n", d)
		}
	}
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteHTML writes the report as one self-contained HTML page.
func (r Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>hostdns-compare: {{.Line}}</title>
<style>
body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}
pre{margin:0;font-size:85%;white-space:pre-wrap}h2{margin-top:1.5em}
</style></head><body>
<h1>{{.Line}}</h1>
<table><tr><th>queries</th><th>same</th><th>different</th><th>accepted</th><th>errors</th></tr>
<tr><td>{{.Summary.Queries}}</td><td>{{.Summary.Same}}</td><td>{{.Summary.Different}}</td><td>{{.Summary.Accepted}}</td><td>{{.Summary.Errors}}</td></tr></table>
{{range .Kinds}}{{template "kind" .}}{{end}}
{{if .Errors.Answers}}<h2>errors: {{.Errors.Answers}} queries</h2>{{template "examples" .Errors}}{{end}}
{{if .Accepted}}<h2>accepted</h2><table><tr><th>answers</th><th>reason</th></tr>
{{range .Accepted}}<tr><td>{{.Answers}}</td><td>{{.Reason}}</td></tr>{{end}}</table>{{end}}
</body></html>
{{define "kind"}}<h2>{{.Kind}}: {{.Answers}} answers</h2>
<p>{{range $i, $z := .Zones}}{{if $i}}, {{end}}{{$z.Zone}} {{$z.Answers}}{{end}}</p>
{{template "examples" .}}{{end}}
{{define "examples"}}<table><tr><th>query</th><th>differences</th><th>A</th><th>B</th></tr>
{{range .Examples}}<tr><td><code>{{.Query}}</code><br>{{.Zone}}</td>
<td>{{if .Error}}{{.Error}}<br>{{end}}{{range .Differences}}{{.}}<br>{{end}}</td>
<td><pre>{{.A}}</pre></td><td><pre>{{.B}}</pre></td></tr>{{end}}</table>{{end}}
`))

package chart

import (
	"bytes"
	"html/template"
)

// Table is a chart's numbers as rows and columns; the first column heads
// each row.
type Table struct {
	Caption string
	Columns []string
	Rows    [][]string
}

var tableHTML = template.Must(template.New("table").Parse(
	`<table class="chart-data"><caption>{{.Caption}}</caption>` +
		`<thead><tr>{{range .Columns}}<th scope="col">{{.}}</th>{{end}}</tr></thead>` +
		`<tbody>{{range .Rows}}<tr>{{range $i, $c := .}}{{if eq $i 0}}<th scope="row">{{$c}}</th>{{else}}<td>{{$c}}</td>{{end}}{{end}}</tr>{{end}}</tbody>` +
		`</table>`))

// HTML renders the table, escaped, with a caption and header cells scoped
// to their column or row.
func (t Table) HTML() template.HTML {
	var b bytes.Buffer
	if err := tableHTML.Execute(&b, t); err != nil {
		return "" // only a write to a bytes.Buffer, which cannot fail
	}
	return template.HTML(b.String()) //nolint:gosec // built by html/template, escaped
}

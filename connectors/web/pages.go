package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

// The pages and their assets are embedded: the binary serves them as is,
// and the CSP allows no inline script or style.
var (
	//go:embed templates/*.html
	templateFiles embed.FS
	//go:embed static
	staticFiles embed.FS
)

// pages renders the HTML pages.
type pages struct {
	t *template.Template
}

func newPages() *pages {
	return &pages{t: parseTemplates("templates/*.html")}
}

// page is what every page template gets.
type page struct {
	Title     string
	Demo      bool
	Lang      string            // "en" or "es"
	T         map[string]string // the demo pages' texts in Lang
	Portico   string            // origin of the Portico serving the widget; "" for this one
	SecondURL string            // the cross-origin demo site, linked from the portal
	Error     string            // a failure to show above the sign-in form
}

// render writes the named page with status. It renders into a buffer first
// so that a template error becomes a clean 500.
func (p *pages) render(w http.ResponseWriter, status int, name string, data page) error {
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// ownOrigin is the server's origin as the request sees it, for showing.
func (s *Server) ownOrigin(r *http.Request) string {
	if s.self != "" {
		return s.self
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if host := s.ownHost(r); host != "" {
		return scheme + "://" + host
	}
	return ""
}

package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

// The pages and their assets are embedded: the binary serves them as is,
// and the CSP allows no inline script or style.
var (
	//go:embed templates/*.html
	templateFiles embed.FS
	//go:embed static
	staticFiles embed.FS
)

// staticCache lets browsers keep assets but check back each time.
const staticCache = "no-cache"

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

// handleIndex serves /: the demo portal in demo mode, otherwise a page
// saying the server runs.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	name, data := "running.html", page{Title: "Portico", Portico: s.ownOrigin(r)}
	if s.cfg.Demo {
		name, data = "portal.html", s.demoPage(demoLang(r), "")
		w.Header().Add("Vary", "Accept-Language")
	}
	if err := s.pages.render(w, http.StatusOK, name, data); err != nil {
		s.log.Error().Err(err).Str("page", name).Msg("render page")
	}
}

// staticHandler serves the embedded assets under /static/, without
// directory listings. They are public files, and the widget loads some
// (a logo) from portal pages on other origins, so any origin may embed
// them: Cross-Origin-Resource-Policy same-origin would break the image.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", staticCache)
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		files.ServeHTTP(w, r)
	})
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

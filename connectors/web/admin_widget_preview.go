package web

import (
	"bytes"
	"net/http"
	"net/url"
)

// GET /admin/settings/widget/preview: the real widget wearing unsaved
// values, for the widget page's iframe.

// previewPage is what the preview template gets: the unsaved appearance.
type previewPage struct {
	Title, Greeting, Color, LogoURL, Position, Lang string
	Open                                            bool
}

var previewTemplate = parseTemplates(previewFile)

// handleWidgetPreview serves a page with the real widget wearing the
// unsaved appearance of the query (as data-portico-* attributes), for the
// widget page's iframe. Its CSP lets only this server frame it and keeps
// the widget from opening a socket: a preview never starts a conversation.
func (st *settings) handleWidgetPreview(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := widgetJSON{Title: q.Get("title"), Color: q.Get("color"), LogoURL: q.Get("logo_url"), Position: q.Get("position")}
	lang := q.Get("lang")
	if lang != "es" {
		lang = "en"
	}
	in.Greeting = map[string]string{lang: q.Get("greeting")}
	p := in.check(st.s.cfg.LogoHosts)
	page := previewPage{Lang: lang, Open: q.Get("open") == "1", Position: in.Position}
	if p["title"] == "" {
		page.Title = in.Title
	}
	if p["color"] == "" {
		page.Color = in.Color
	}
	if p["logo_url"] == "" {
		page.LogoURL = in.LogoURL
	}
	if p["greeting."+lang] == "" {
		page.Greeting = in.Greeting[lang]
	}
	var buf bytes.Buffer
	if err := previewTemplate.ExecuteTemplate(&buf, "admin_settings_preview.html", page); err != nil {
		st.con.internal(w, err, "render the widget preview")
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", st.previewCSP(r, page.LogoURL))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	buf.WriteTo(w)
}

// previewCSP allows this server's scripts and styles, the widget's two
// fetches by their exact URLs and nothing else (no socket), the logo's
// origin for images, and framing by this server only.
func (st *settings) previewCSP(r *http.Request, logo string) string {
	own := st.s.self
	if own == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		own = scheme + "://" + st.s.ownHost(r)
	}
	img := "'self'"
	if u, err := url.Parse(logo); err == nil && u.Scheme == "https" && plainHost(u.Host) {
		img += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img + "; " +
		"connect-src " + own + "/widget.css " + own + "/widget/config; frame-ancestors 'self'; " +
		"base-uri 'none'; form-action 'none'"
}

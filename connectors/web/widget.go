package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// The embeddable widget: /widget.js, /widget.css and /widget/config are
// loaded by portal pages on other origins, so unlike every other response
// they are public resources: any origin may read them (CORS) and embed
// them (CORP), and no credentials are involved. docs/widget.md.
const (
	widgetJS   = "static/widget/widget.js"
	widgetCSS  = "static/widget/widget.css"
	widgetPath = "/widget.js"
	// widgetCache lets browsers and CDNs reuse the script for five
	// minutes, then revalidate with its ETag: a new release reaches every
	// portal page within that time.
	widgetCache = "public, max-age=300, must-revalidate"
	// widgetConfigCache is shorter: the answer depends on the Origin.
	widgetConfigCache = "public, max-age=60"
	// WidgetBudget is the most the widget's script and style may weigh,
	// gzipped, in bytes (issue 3).
	WidgetBudget = 30 << 10
)

// Widget is the widget's appearance, served at /widget/config. A page's
// data-portico-* attributes override each field.
type Widget struct {
	Title    string            // launcher and panel title; empty: the widget's own, localized
	Greeting map[string]string // a line above the conversation, by language ("en", "es")
	Color    string            // accent, #rgb or #rrggbb; text colors are derived for contrast
	LogoURL  string            // a path on this server, or an https URL on an allowed host (Config.LogoHosts)
	Position string            // "right" (default) or "left"
}

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// validate reports the widget settings that would not work, the logo
// checked against the allowed logo hosts.
func (w Widget) validate(logoHosts []string) error {
	var errs []string
	if w.Color != "" && !hexColor.MatchString(w.Color) {
		errs = append(errs, fmt.Sprintf("color %q is not #rgb or #rrggbb", w.Color))
	}
	if w.Position != "" && w.Position != "right" && w.Position != "left" {
		errs = append(errs, fmt.Sprintf("position %q is not right or left", w.Position))
	}
	if p := logoProblem(w.LogoURL, normalizedHosts(logoHosts)); p != "" {
		errs = append(errs, fmt.Sprintf("logo url %q: %s", w.LogoURL, p))
	}
	for lang := range w.Greeting {
		if lang != "en" && lang != "es" {
			errs = append(errs, fmt.Sprintf("greeting language %q is not en or es", lang))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("widget: %s", strings.Join(errs, "; "))
	}
	return nil
}

// asset is one embedded widget file with its validator.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

func loadAsset(name, ctype string) asset {
	b, err := fs.ReadFile(staticFiles, name)
	if err != nil {
		panic(err) // embedded at build time
	}
	sum := sha256.Sum256(b)
	return asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// widgetAssets are the files the widget loads, by path.
var widgetAssets = map[string]asset{
	"/widget.js":  loadAsset(widgetJS, "text/javascript; charset=utf-8"),
	"/widget.css": loadAsset(widgetCSS, "text/css; charset=utf-8"),
}

// WidgetFiles returns the widget's script and style as served, for the
// size budget test.
func WidgetFiles() map[string][]byte {
	out := make(map[string][]byte, len(widgetAssets))
	for p, a := range widgetAssets {
		out[p] = a.body
	}
	return out
}

// publicResource marks a response as readable and embeddable by any
// origin, overriding the same-origin defaults of securityHeaders.
func publicResource(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Del("Cross-Origin-Opener-Policy") // a script or JSON, not a document
}

// handleWidgetAsset serves /widget.js and /widget.css with an ETag, so a
// revalidation costs a 304.
func (s *Server) handleWidgetAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := widgetAssets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	publicResource(h)
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", widgetCache)
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// widgetConfig is the JSON of /widget/config: the appearance, and the
// rules the widget shares with the server, decided here so that the
// script does not type them again.
type widgetConfig struct {
	Title    string            `json:"title,omitempty"`
	Greeting map[string]string `json:"greeting,omitempty"`
	Color    string            `json:"color,omitempty"`
	LogoURL  string            `json:"logo_url,omitempty"`
	Position string            `json:"position,omitempty"`
	// Theme is the colors of the accent: the configured one, or the
	// page's own (data-portico-color, sent as ?color=).
	Theme widgetTheme `json:"theme"`
	// Send is the frame budget the widget keeps to, a little under the
	// socket's rate limit, so that nothing it sends is dropped.
	Send sendBudget `json:"send"`
	// TextMax is the longest message a patient may send, in characters.
	TextMax int `json:"text_max"`
	// OriginAllowed tells the widget whether the page that asks may open
	// the socket, so that a refused handshake (which browsers report
	// only as a failed connection) can be explained to the patient.
	OriginAllowed bool   `json:"origin_allowed"`
	Version       string `json:"version"`
}

// sendBudget is a token bucket for the client: Burst frames at once,
// refilled at PerS frames a second.
type sendBudget struct {
	Burst int     `json:"burst"`
	PerS  float64 `json:"per_s"`
}

// Margins of the widget's budget under the socket's rate limit.
const (
	sendBurstMargin = 1   // frames of the burst left unused
	sendRateShare   = 0.9 // of the refill rate used
)

// widgetBudget is the budget the widget keeps to under the configured
// rate limit (Config.RateFrames per RateWindow, bursts of RateBurst).
func (c Config) widgetBudget() sendBudget {
	perS := float64(c.RateFrames) / c.RateWindow.Seconds() * sendRateShare
	return sendBudget{Burst: max(1, c.RateBurst-sendBurstMargin), PerS: math.Round(perS*1000) / 1000}
}

// handleWidgetConfig serves the widget's appearance and rules. It is
// public and the same for everyone but origin_allowed, which follows the
// Origin header (hence Vary), and the theme, which follows ?color=.
func (s *Server) handleWidgetConfig(w http.ResponseWriter, r *http.Request) {
	c := s.widgetLook(r.Context()) // an admin's saved appearance, else the configuration's
	accent := c.Color
	if page, ok := r.URL.Query()["color"]; ok {
		accent = page[0] // a color that is not one gets the default theme, as the page would
	}
	body, err := json.Marshal(widgetConfig{
		Title: c.Title, Greeting: c.Greeting, Color: c.Color, LogoURL: c.LogoURL, Position: c.Position,
		Theme:         themeOf(accent),
		Send:          s.cfg.widgetBudget(),
		TextMax:       maxTextRunes,
		OriginAllowed: s.origins.allow(withOrigin(r, s.self)),
		Version:       strings.Trim(widgetAssets[widgetPath].etag, `"`),
	})
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	publicResource(h)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", widgetConfigCache)
	h.Add("Vary", "Origin")
	w.Write(body)
}

// withOrigin returns r, or for a request without an Origin header (a
// same-origin GET, where browsers leave it out) a copy that names the
// server's own origin, self or else the request's scheme and Host.
func withOrigin(r *http.Request, self string) *http.Request {
	if r.Header.Get("Origin") != "" {
		return r
	}
	own := self
	if own == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		own = scheme + "://" + r.Host
	}
	c := r.Clone(r.Context())
	c.Header.Set("Origin", own)
	return c
}

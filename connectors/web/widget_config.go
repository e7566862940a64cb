package web

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
)

// GET /widget/config: the widget's appearance and the rules it shares with the server.

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

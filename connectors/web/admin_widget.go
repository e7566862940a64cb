package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
)

// Widget appearance as admins edit it.
const (
	settingWidget       = "widget" // the settings key (storage/sqlite.SettingWidget)
	maxWidgetTitleRunes = 80
	maxWidgetGreetRunes = 300
	maxWidgetLogoLen    = 500 // bytes of a logo URL
	previewFile         = "templates/admin_settings_preview.html"
)

// widgetJSON is the stored appearance, and the body of PUT /admin/api/widget.
type widgetJSON struct {
	Title    string            `json:"title"`
	Greeting map[string]string `json:"greeting"`
	Color    string            `json:"color"`
	LogoURL  string            `json:"logo_url"`
	Position string            `json:"position"`
}

func widgetOf(w Widget) widgetJSON {
	g := map[string]string{}
	for k, v := range w.Greeting {
		g[k] = v
	}
	return widgetJSON{Title: w.Title, Greeting: g, Color: w.Color, LogoURL: w.LogoURL, Position: w.Position}
}

func (j widgetJSON) widget() Widget { return Widget(j) }

// widgetLook is the appearance /widget/config serves: the one an admin
// saved, else the configuration file's.
func (s *Server) widgetLook(ctx context.Context) Widget {
	store := s.deps.Settings.Settings
	if store == nil {
		return s.cfg.Widget
	}
	if j, ok := s.storedWidget(ctx, store); ok {
		return j.widget()
	}
	return s.cfg.Widget
}

// storedWidget reads the saved appearance; a broken one is logged and
// ignored.
func (s *Server) storedWidget(ctx context.Context, store SettingsStore) (widgetJSON, bool) {
	b, err := store.Setting(ctx, settingWidget)
	if err != nil {
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			s.log.Error().Err(err).Msg("read the widget's appearance")
		}
		return widgetJSON{}, false
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return widgetJSON{}, false // reset to the configuration's
	}
	var j widgetJSON
	if err := json.Unmarshal(b, &j); err != nil {
		s.log.Error().Err(err).Msg("the stored widget appearance is broken; the configuration's is used")
		return widgetJSON{}, false
	}
	if logoProblem(j.LogoURL, normalizedHosts(s.cfg.LogoHosts)) != "" {
		// Saved before the logo hosts were narrowed: the rest still stands.
		s.log.Warn().Msg("the stored widget logo is not on an allowed host; it is not shown")
		j.LogoURL = ""
	}
	if err := j.widget().validate(s.cfg.LogoHosts); err != nil {
		s.log.Error().Err(err).Msg("the stored widget appearance is broken; the configuration's is used")
		return widgetJSON{}, false
	}
	return j, true
}

// check validates the appearance field by field, the logo against the
// allowed logo hosts.
func (j *widgetJSON) check(logoHosts []string) map[string]string {
	p := map[string]string{}
	j.Title, j.Color, j.LogoURL = strings.TrimSpace(j.Title), strings.TrimSpace(j.Color), strings.TrimSpace(j.LogoURL)
	if utf8.RuneCountInString(j.Title) > maxWidgetTitleRunes {
		p["title"] = fmt.Sprintf("The title is at most %d characters.", maxWidgetTitleRunes)
	}
	if j.Color != "" && !hexColor.MatchString(j.Color) {
		p["color"] = "The color is #rgb or #rrggbb, like #0b5cad."
	}
	if j.Position == "" {
		j.Position = "right"
	}
	if j.Position != "right" && j.Position != "left" {
		p["position"] = "The position is right or left."
	}
	if len(j.LogoURL) > maxWidgetLogoLen {
		p["logo_url"] = fmt.Sprintf("The logo's address is at most %d characters.", maxWidgetLogoLen)
	} else if problem := logoProblem(j.LogoURL, normalizedHosts(logoHosts)); problem != "" {
		p["logo_url"] = problem
	}
	g := map[string]string{}
	for lang, text := range j.Greeting {
		text = strings.TrimSpace(text)
		switch {
		case lang != "en" && lang != "es":
			p["greeting."+lang] = "Greetings are in English (en) or Spanish (es)."
		case utf8.RuneCountInString(text) > maxWidgetGreetRunes:
			p["greeting."+lang] = fmt.Sprintf("A greeting is at most %d characters.", maxWidgetGreetRunes)
		case text != "":
			g[lang] = text
		}
	}
	j.Greeting = g
	return p
}

// widgetView is what the widget page gets: the appearance in force, the
// configuration file's, whether an admin's is stored, and the contrast.
type widgetView struct {
	Widget   widgetJSON   `json:"widget"`
	Config   widgetJSON   `json:"config"`
	Stored   bool         `json:"stored"`
	Contrast contrastView `json:"contrast"`
}

func (st *settings) viewWidget(ctx context.Context) widgetView {
	v := widgetView{Config: widgetOf(st.s.cfg.Widget)}
	v.Widget, v.Stored = st.s.storedWidget(ctx, st.deps.Settings)
	if !v.Stored {
		v.Widget = v.Config
	}
	v.Contrast = contrastOf(v.Widget.Color)
	return v
}

func (st *settings) handleWidget(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	writeJSON(w, http.StatusOK, st.viewWidget(r.Context()))
}

// handleWidgetContrast answers the theme and warnings of ?color= for the
// widget page, which asks while the admin types: the color rule lives
// here (widget_theme.go), not in the page's script.
func (st *settings) handleWidgetContrast(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	j := widgetJSON{Color: r.URL.Query().Get("color")}
	if p := j.check(nil); p["color"] != "" {
		invalidFields(w, map[string]string{"color": p["color"]})
		return
	}
	writeJSON(w, http.StatusOK, contrastOf(j.Color))
}

// handleWidgetPut stores the appearance; /widget/config serves it at once.
func (st *settings) handleWidgetPut(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	var in widgetJSON
	if !st.decode(w, r, &in) {
		return
	}
	if p := in.check(st.s.cfg.LogoHosts); len(p) > 0 {
		invalidFields(w, p)
		return
	}
	b, _ := json.Marshal(in)
	ev := st.event(r, ss, auditWidget, "widget", "saved color="+in.Color+" position="+in.Position)
	if err := st.deps.Settings.PutSetting(r.Context(), settingWidget, b, actor(ss.user), ev); err != nil {
		st.fail(w, err, "save the widget's appearance")
		return
	}
	writeJSON(w, http.StatusOK, st.viewWidget(r.Context()))
}

// handleWidgetReset goes back to the configuration file's appearance.
func (st *settings) handleWidgetReset(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	ev := st.event(r, ss, auditWidget, "widget", "reset to the configuration")
	if err := st.deps.Settings.PutSetting(r.Context(), settingWidget, []byte("null"), actor(ss.user), ev); err != nil {
		st.fail(w, err, "reset the widget's appearance")
		return
	}
	writeJSON(w, http.StatusOK, st.viewWidget(r.Context()))
}

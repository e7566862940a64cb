package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/portico-chat/portico/bot"
)

// maxFormBytes caps the demo sign-in form's body.
const maxFormBytes = 4 << 10

// Texts of the demo sign-in. One text for every failed sign-in, whatever
// the cause, so the page never tells whether an account exists.
const (
	textSignInFailed   = "That username and password did not match our records. Check them and try again, or use the links below for help."
	textSignInTrouble  = "Something went wrong on our side. Please try again in a moment."
	textSignInMissing  = "Enter your username and password."
	textSignInOff      = "Sign-in is not available in this demo."
	textCrossSiteRefus = "This form can only be sent from this site."
)

// handleSignIn checks the demo portal's sign-in form. It answers 303 to
// the welcome page on success and 401 with the form and one error text on
// any failure. The form must come from this site (Origin or Referer).
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		s.log.Info().Str("origin", clip(r.Header.Get("Origin"), 100)).Str("host", clip(r.Host, 100)).
			Msg("demo sign-in refused: not from this site")
		http.Error(w, textCrossSiteRefus, http.StatusForbidden)
		return
	}
	if s.deps.SignIn == nil {
		s.renderPortal(w, http.StatusServiceUnavailable, textSignInOff)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderPortal(w, http.StatusBadRequest, textSignInMissing)
		return
	}
	user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	if user == "" || pass == "" {
		s.renderPortal(w, http.StatusUnauthorized, textSignInMissing)
		return
	}
	err := s.deps.SignIn.SignIn(r.Context(), user, pass)
	switch {
	case err == nil:
		http.Redirect(w, r, "/demo/welcome", http.StatusSeeOther)
	case isDomainError(err):
		s.log.Info().Str("ip", s.ips.of(r)).Msg("demo sign-in failed")
		s.renderPortal(w, http.StatusUnauthorized, textSignInFailed)
	default:
		s.log.Error().Err(err).Msg("demo sign-in")
		s.renderPortal(w, http.StatusInternalServerError, textSignInTrouble)
	}
}

// handleWelcome is where a successful demo sign-in lands. The demo keeps
// no session, so it shows nothing about the account. It embeds the widget
// too: a chat in progress follows the patient here.
func (s *Server) handleWelcome(w http.ResponseWriter, r *http.Request) {
	data := s.demoPage(demoLang(r), "")
	data.Title = data.T["welcome_title"] + " (DEMO)"
	if err := s.pages.render(w, http.StatusOK, "welcome.html", data); err != nil {
		s.log.Error().Err(err).Msg("render welcome page")
	}
}

func (s *Server) renderPortal(w http.ResponseWriter, status int, msg string) {
	if err := s.pages.render(w, status, "portal.html", s.demoPage("en", msg)); err != nil {
		s.log.Error().Err(err).Msg("render portal page")
	}
}

// demoPage is the data of a demo portal page in lang.
func (s *Server) demoPage(lang, errText string) page {
	t := demoTexts[lang]
	return page{Title: t["title"], Demo: true, Lang: lang, T: t, SecondURL: s.cfg.DemoSecondURL, Error: errText}
}

// demoLang is the demo pages' language: ?lang=es for Spanish.
func demoLang(r *http.Request) string {
	if r.URL.Query().Get("lang") == "es" {
		return "es"
	}
	return "en"
}

// CrossOriginDemo returns the handler of the second demo site: a page
// served from another origin (another port) that embeds the widget of the
// Portico at origin portico ("http://localhost:8080") through the public
// tag, as a portal on its own domain would. Its CSP allows exactly what
// docs/widget.md tells portals to allow.
func (s *Server) CrossOriginDemo(portico string) http.Handler {
	wsHost := ""
	if o, err := parseOrigin(portico); err == nil {
		wsHost = strings.TrimPrefix(strings.TrimPrefix(o.String(), "https://"), "http://")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		data := s.demoPage(demoLang(r), "")
		data.Title, data.Portico, data.SecondURL = data.T["other_title"]+" (DEMO)", portico, ""
		if err := s.pages.render(w, http.StatusOK, "elsewhere.html", data); err != nil {
			s.log.Error().Err(err).Msg("render cross-origin demo page")
		}
	})
	csp := func(*http.Request) string { return pageCSP(portico, wsHost) }
	return s.accessLog(s.withHeaders(csp, mux))
}

// sameOrigin reports whether a state-changing request comes from this
// site: its Origin, or failing that its Referer, is the server's own
// origin. A request with neither is refused.
func (s *Server) sameOrigin(r *http.Request) bool {
	from := r.Header.Get("Origin")
	if from == "" {
		ref, err := url.Parse(r.Header.Get("Referer"))
		if err != nil || ref.Host == "" {
			return false
		}
		from = ref.Scheme + "://" + ref.Host
	}
	o, err := parseOrigin(from)
	if err != nil {
		return false
	}
	if s.self != "" {
		return o.String() == s.self
	}
	return sameHost(o, r.Host)
}

// isDomainError reports whether err carries a bot error code other than
// internal: a refusal to show, not a fault to log.
func isDomainError(err error) bool {
	var e *bot.Error
	return errors.As(err, &e) && e.Code != bot.EINTERNAL
}

package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/text/language"

	"github.com/portico-chat/portico/bot"
)

// maxFormBytes caps the demo sign-in form's body.
const maxFormBytes = 4 << 10

// Keys of the demo sign-in's texts in demoTexts. One text for every failed
// sign-in, whatever the cause, so the page never tells whether an account
// exists.
const (
	textSignInFailed   = "signin_failed"
	textSignInTrouble  = "signin_trouble"
	textSignInMissing  = "signin_missing"
	textSignInOff      = "signin_off"
	textCrossSiteRefus = "cross_site"
)

// handleSignIn checks the demo portal's sign-in form. It answers 303 to
// the welcome page on success and 401 with the form and one error text on
// any failure. The form must come from this site (Origin or Referer).
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		s.log.Info().Str("origin", clip(r.Header.Get("Origin"), 100)).Str("host", clip(r.Host, 100)).
			Msg("demo sign-in refused: not from this site")
		http.Error(w, demoTexts[demoLang(r)][textCrossSiteRefus], http.StatusForbidden)
		return
	}
	if s.deps.SignIn == nil {
		s.renderPortal(w, r, http.StatusServiceUnavailable, textSignInOff)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderPortal(w, r, http.StatusBadRequest, textSignInMissing)
		return
	}
	user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	if user == "" || pass == "" {
		s.renderPortal(w, r, http.StatusUnauthorized, textSignInMissing)
		return
	}
	err := s.deps.SignIn.SignIn(r.Context(), user, pass)
	switch {
	case err == nil:
		// A language the patient picked (the form's ?lang=) stays picked.
		to := "/demo/welcome"
		if l := r.URL.Query().Get("lang"); l == "es" || l == "en" {
			to += "?lang=" + l
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	case isDomainError(err):
		s.log.Info().Str("ip", s.ips.of(r)).Msg("demo sign-in failed")
		s.renderPortal(w, r, http.StatusUnauthorized, textSignInFailed)
	default:
		s.log.Error().Err(err).Msg("demo sign-in")
		s.renderPortal(w, r, http.StatusInternalServerError, textSignInTrouble)
	}
}

// handleWelcome is where a successful demo sign-in lands. The demo keeps
// no session, so it shows nothing about the account. It embeds the widget
// too: a chat in progress follows the patient here.
func (s *Server) handleWelcome(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept-Language")
	data := s.demoPage(demoLang(r), "")
	data.Title = data.T["welcome_title"] + " (DEMO)"
	if err := s.pages.render(w, http.StatusOK, "welcome.html", data); err != nil {
		s.log.Error().Err(err).Msg("render welcome page")
	}
}

// renderPortal shows the sign-in page again with the text of errKey.
func (s *Server) renderPortal(w http.ResponseWriter, r *http.Request, status int, errKey string) {
	lang := demoLang(r)
	w.Header().Add("Vary", "Accept-Language")
	if err := s.pages.render(w, status, "portal.html", s.demoPage(lang, demoTexts[lang][errKey])); err != nil {
		s.log.Error().Err(err).Msg("render portal page")
	}
}

// demoPage is the data of a demo portal page in lang.
func (s *Server) demoPage(lang, errText string) page {
	t := demoTexts[lang]
	return page{Title: t["title"], Demo: true, Lang: lang, T: t, SecondURL: s.cfg.DemoSecondURL, Error: errText}
}

// demoLanguages are the demo pages' languages, the first the default.
var demoLanguages = language.NewMatcher([]language.Tag{language.English, language.Spanish})

// demoLang is the demo pages' language: ?lang=en or ?lang=es when the
// patient picked one, else the best match of the browser's
// Accept-Language, as a real portal would do (the widget then follows the
// page's <html lang>). Pages that depend on it say Vary: Accept-Language.
func demoLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "es" || l == "en" {
		return l
	}
	_, i, _ := demoLanguages.Match(acceptLanguage(r)...)
	if i == 1 {
		return "es"
	}
	return "en"
}

// maxAcceptLanguage bounds the header parsed for the demo's language.
const maxAcceptLanguage = 256

// acceptLanguage returns the languages of the Accept-Language header, most
// wanted first; a header that does not parse counts as none.
func acceptLanguage(r *http.Request) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(clip(r.Header.Get("Accept-Language"), maxAcceptLanguage))
	if err != nil {
		return nil
	}
	return tags
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
	csp := func(*http.Request) string { return pageCSP(portico, wsHost) }
	return s.accessLog(s.withHeaders(csp, s.secondSiteRoutes(portico).mux))
}

// handleSecondSite serves the second demo site's page.
func (s *Server) handleSecondSite(portico string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Language")
		data := s.demoPage(demoLang(r), "")
		data.Title, data.Portico, data.SecondURL = data.T["other_title"]+" (DEMO)", portico, ""
		if err := s.pages.render(w, http.StatusOK, "elsewhere.html", data); err != nil {
			s.log.Error().Err(err).Msg("render cross-origin demo page")
		}
	}
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

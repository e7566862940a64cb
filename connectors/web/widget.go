package web

import (
	"fmt"
	"regexp"
	"strings"
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

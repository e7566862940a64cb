package web

import (
	"fmt"
	"math"
	"strconv"
)

// The widget's colours, decided here and nowhere else: /widget/config
// sends the widget the theme of its accent, and the admin's widget page
// asks /admin/api/widget/contrast for the theme and warnings of the color
// being typed (WCAG 2.1 contrast).
const (
	defaultAccent         = "#0b5cad" // the widget's accent when none is configured
	widgetTextContrast    = 4.5       // WCAG AA for text: white text on the accent, or the widget switches to black
	widgetLauncherAgainst = 3.0       // WCAG 1.4.11 for a control against a white page
	inkDarkening          = 0.92      // each step darkening the accent into ink
)

var (
	white = [3]int{255, 255, 255}
	black = [3]int{0, 0, 0}
)

// widgetTheme is the colors the widget wears for an accent: the accent
// itself for fills, the text color on it, and "ink", a shade of the
// accent dark enough for text and borders on white.
type widgetTheme struct {
	Accent   string `json:"accent"`    // #rrggbb
	OnAccent string `json:"on_accent"` // #ffffff or #000000
	Ink      string `json:"ink"`       // #rrggbb
}

// themeOf is the theme of an accent; one that is not #rgb or #rrggbb
// gets the default accent's. Text on the accent is white when white
// reaches 4.5:1 or beats black, else black (one of them always reaches
// 4.5:1); ink is the accent darkened until it reaches 4.5:1 on white.
func themeOf(color string) widgetTheme {
	accent, ok := parseHex(color)
	if !ok {
		accent, _ = parseHex(defaultAccent)
	}
	on := white
	if cw := contrastRatio(accent, white); cw < widgetTextContrast && cw < contrastRatio(accent, black) {
		on = black
	}
	ink := accent
	for contrastRatio(ink, white) < widgetTextContrast {
		for i, c := range ink {
			ink[i] = int(math.Floor(float64(c) * inkDarkening))
		}
	}
	return widgetTheme{Accent: hexOf(accent), OnAccent: hexOf(on), Ink: hexOf(ink)}
}

// contrastView is an accent's theme with the numbers and warnings an
// admin should read before saving it.
type contrastView struct {
	Accent        string   `json:"accent"`          // the accent as #rrggbb (the default's when the color is not one)
	WhiteOnAccent float64  `json:"white_on_accent"` // contrast of white text on the accent
	AccentOnWhite float64  `json:"accent_on_white"` // the launcher against a white page (same number)
	OnAccent      string   `json:"on_accent"`       // the text color the widget will use: #ffffff or #000000
	Ink           string   `json:"ink"`             // the widget's text color on white
	Warnings      []string `json:"warnings"`
}

// contrastOf is themeOf with the admin's warnings.
func contrastOf(color string) contrastView {
	th := themeOf(color)
	rgb, _ := parseHex(th.Accent)
	cw := contrastRatio(rgb, white)
	v := contrastView{Accent: th.Accent, WhiteOnAccent: round2(cw), AccentOnWhite: round2(cw), OnAccent: th.OnAccent,
		Ink: th.Ink, Warnings: []string{}}
	if th.OnAccent == hexOf(black) {
		v.Warnings = append(v.Warnings, "White text does not reach 4.5:1 on this color, so the widget will write in black on it and use a darker shade of it for text on white.")
	} else if cw < widgetTextContrast {
		v.Warnings = append(v.Warnings, "Neither white nor black text reaches 4.5:1 on this color comfortably; pick a darker or a lighter one.")
	}
	if cw < widgetLauncherAgainst {
		v.Warnings = append(v.Warnings, "The launcher stands out less than 3:1 from a white page; patients with low vision may not see it.")
	}
	return v
}

// parseHex reads #rgb or #rrggbb.
func parseHex(s string) ([3]int, bool) {
	if !hexColor.MatchString(s) {
		return [3]int{}, false
	}
	h := s[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	var out [3]int
	for i := range out {
		n, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		out[i] = int(n)
	}
	return out, true
}

func hexOf(rgb [3]int) string { return fmt.Sprintf("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]) }

// contrastRatio is WCAG 2.1's contrast ratio of two colors.
func contrastRatio(a, b [3]int) float64 {
	x, y := luminance(a), luminance(b)
	return (math.Max(x, y) + 0.05) / (math.Min(x, y) + 0.05)
}

// luminance is WCAG 2.1's relative luminance.
func luminance(rgb [3]int) float64 {
	var c [3]float64
	for i, v := range rgb {
		s := float64(v) / 255
		if s <= 0.04045 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

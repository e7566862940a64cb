package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// The rules shared by the pages and the server have one home in Go: the
// templates take lengths and patterns from formLimits, and no script
// computes the widget's contrast (widget_theme.go does).
func TestPagesTypeNoRuleOfTheServer(t *testing.T) {
	typed := regexp.MustCompile(`(maxlength|minlength|pattern)="[^{"]`)
	err := fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(templateFiles, path)
		for _, m := range typed.FindAllString(string(b), -1) {
			t.Errorf("%s types %s…: take it from {{(limits).…}}", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		b, _ := fs.ReadFile(staticFiles, path)
		if strings.Contains(string(b), "0.04045") {
			t.Errorf("%s computes WCAG luminance: ask the server (themeOf, contrastOf)", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every page renders its limits: a misspelled field of formLimits would
// fail here, not in a browser.
func TestEveryTemplateRendersItsLimits(t *testing.T) {
	layoutPages, _ := fs.Glob(templateFiles, "templates/admin_*.html")
	for _, f := range layoutPages {
		if f == adminLayout || f == previewFile || f == "templates/admin_forbidden.html" {
			continue
		}
		var b strings.Builder
		if err := parseTemplates(adminLayout, f).ExecuteTemplate(&b, "admin_layout.html", adminPage{Flow: "x"}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, name := range []string{"console.html", "console_signin.html"} {
		var b strings.Builder
		if err := parseTemplates("templates/console*.html").ExecuteTemplate(&b, name, consolePage{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.Contains(b.String(), `maxlength="`) {
			t.Errorf("%s has no maxlength", name)
		}
	}
}

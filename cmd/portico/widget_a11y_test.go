package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeCheck runs axe-core (WCAG 2.0/2.1 A and AA rules) on the open widget
// and fails on any serious or critical violation.
func axeCheck(t *testing.T, ctx context.Context, axe, state string) {
	t.Helper()
	axeCheckIn(t, ctx, axe, "portico-chat", state)
}

// axeCheckIn runs axe-core (WCAG 2.0/2.1 A and AA rules, best practices)
// on the page's element selector and fails on any serious or critical
// violation.
func axeCheckIn(t *testing.T, ctx context.Context, axe, selector, state string) {
	t.Helper()
	if !eval[bool](t, ctx, `typeof window.axe === 'object'`) {
		do(t, ctx, chromedp.Evaluate[chromedp.Void](axe))
	}
	js := fmt.Sprintf(`axe.run(document.querySelector(%q), {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
		.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.map(n => JSON.stringify(n.target)).join(', ')))`, selector)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", state, err)
	}
	for _, v := range got {
		t.Errorf("%s: %s", state, v)
	}
}

// screenshot saves the page as .cache/screenshots/widget-NAME.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots(t), "widget-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWidgetAccessibility walks the widget through each state (menu,
// question, secret input, ended, queued) in English and Spanish, runs
// axe-core on each and saves screenshots at desktop and phone sizes.
func TestWidgetAccessibility(t *testing.T) {
	for _, tt := range []struct{ lang, dob, ended, queued string }{
		{"en", "05/17/1985", "This chat has ended.", "Waiting for a person"},
		{"es", "17/05/1985", "Este chat ha terminado.", "Esperando a una persona"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			axe := axeScript(t)
			ctx := browser(t)
			srv := runServer(t, nil)
			// axe measures colors as painted: on a loaded machine the panel's
			// fade-in can still be running, and half-transparent text fails
			// contrast. Reduced motion turns the animation off (widget.css).
			reduced := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, reduced); err != nil {
				t.Fatal(err)
			}
			do(t, ctx,
				chromedp.EmulateViewport(1280, 800),
				chromedp.Navigate(srv.URL+"/?lang="+tt.lang),
				chromedp.Poll[chromedp.Void](`window.Portico && document.querySelector('portico-chat')?.isConnected`, chromedp.WithPollingMutation()),
			)
			screenshot(t, ctx, tt.lang+"-desktop-closed")
			do(t, ctx, chromedp.Evaluate[chromedp.Void](shadow+`.querySelector('.launcher').click()`), offers("reset_password"))
			if got := eval[string](t, ctx, `document.documentElement.lang + ' ' + `+shadow+`.querySelector('.send, button[type=submit]').textContent`); got != map[string]string{"en": "en Send", "es": "es Enviar"}[tt.lang] {
				t.Errorf("page language and send button: got %q", got)
			}
			axeCheck(t, ctx, axe, "menu")
			screenshot(t, ctx, tt.lang+"-desktop-menu")

			do(t, ctx, choose("reset_password"), choose("name"), asks("first_name"))
			axeCheck(t, ctx, axe, "question")
			do(t, ctx,
				typeIn("Olivia"), answer("last_name", "Activeuser"), answer("dob", tt.dob), answer("zip", "02139"),
				choose("email"), asks("otp"))
			do(t, ctx, typeIn(srv.code(t)), asks("new_password"))
			axeCheck(t, ctx, axe, "secret input")
			screenshot(t, ctx, tt.lang+"-desktop-secret")

			do(t, ctx, chromedp.Evaluate[chromedp.Void](shadow+`.querySelector('.end').click()`), statusIs("closed"))
			if text := eval[string](t, ctx, shadow+`.querySelector('.ended').textContent`); !strings.Contains(text, tt.ended) {
				t.Errorf("ended: got %q, want %q", text, tt.ended)
			}
			axeCheck(t, ctx, axe, "ended")

			handoff := `window.__handoff = 0; document.addEventListener('portico:handoff', () => window.__handoff++)`
			do(t, ctx, chromedp.Evaluate[chromedp.Void](handoff),
				chromedp.Evaluate[chromedp.Void](shadow+`.querySelector('.ended button').click()`),
				choose("agent"), statusIs("queued"))
			if status := eval[string](t, ctx, shadow+`.getElementById('status').textContent`); !strings.Contains(status, tt.queued) &&
				!strings.Contains(status, map[string]string{"en": "in line", "es": "en la fila"}[tt.lang]) {
				t.Errorf("queued: the status line says %q", status)
			}
			if n := eval[int](t, ctx, `window.__handoff`); n != 1 {
				t.Errorf("got %d portico:handoff events, want 1", n)
			}
			axeCheck(t, ctx, axe, "queued")
			screenshot(t, ctx, tt.lang+"-desktop-queued")

			do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), until(`r.host.dataset.modal === 'true' && r.getElementById('panel').getAttribute('aria-modal') === 'true'`))
			width := eval[float64](t, ctx, shadow+`.getElementById('panel').getBoundingClientRect().width`)
			if width != 390 {
				t.Errorf("on a phone the panel is %v px wide, want the full 390", width)
			}
			axeCheck(t, ctx, axe, "queued on a phone")
			screenshot(t, ctx, tt.lang+"-phone-queued")
			do(t, ctx, chromedp.Reload(), until(`r.host.dataset.status === 'queued' && r.host.dataset.open === 'true'`))
			screenshot(t, ctx, fmt.Sprintf("%s-phone-reloaded", tt.lang))
		})
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestAdminSettingsInABrowser adds a person and sees the password once,
// gets a queue's bad hours line pointed out, previews a light accent color
// with its contrast warning in the real widget, and verifies the audit
// chain; it takes the docs' screenshots on the way.
func TestAdminSettingsInABrowser(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	adminSignIn(t, ctx, srv.URL)
	// Still screenshots: the widget's panel skips its opening animation.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}

	// People: the new password is shown once, the account listed.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/settings/users"),
		consoleUntil(`document.querySelectorAll('#users tbody tr').length >= 2`),
		chromedp.SendKeys("#u-email", "lea@example.org"),
		chromedp.SendKeys("#u-name", "Lea"),
		chromedp.SendKeys("#u-queues", "portal-support"),
		chromedp.Click(`#user-create button[type="submit"]`),
		consoleUntil(`!document.getElementById('new-password').hidden && document.getElementById('new-password-value').value.length >= 26`),
		consoleUntil(`[...document.querySelectorAll('#users tbody tr')].some(r => r.textContent.includes('lea@example.org'))`),
	)
	adminShot(t, ctx, "settings-users")

	// Queues: the bad line is named under the hours, by its number.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/settings/queues"),
		consoleUntil(`document.querySelectorAll('#queues tbody tr').length >= 1`),
		chromedp.SendKeys("#q-name", "billing"),
		chromedp.SendKeys("#q-hours", "mon-fri 08:00-18:00\nfun 09:00-12:00"),
		chromedp.Click("#queue-save"),
		consoleUntil(`!document.getElementById('q-hours-err').hidden`),
	)
	if got := eval[string](t, ctx, `document.getElementById('q-hours-err').textContent`); !strings.Contains(got, "Line 2") || !strings.Contains(got, "fun") {
		t.Errorf("hours error %q, want line 2 and the unknown day", got)
	}

	// Widget: a yellow accent warns, and the preview wears the unsaved title.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/settings/widget"),
		consoleUntil(`document.getElementById('w-source').textContent !== '…'`),
		consoleUntil(`(document.getElementById('w-title').value = '') === ''`),
		chromedp.SendKeys("#w-title", "Clinic help desk"),
		consoleUntil(`(document.getElementById('w-color').value = '') === ''`),
		chromedp.SendKeys("#w-color", "#ffd400"),
		consoleUntil(`document.querySelectorAll('#w-contrast .contrast-warn').length >= 1`),
		consoleUntil(`(document.getElementById('w-preview').dataset.previewReady || '').includes('ffd400')`),
	)
	shown := eval[string](t, ctx, `document.getElementById('w-preview').contentDocument.querySelector('portico-chat').shadowRoot.textContent`)
	if !strings.Contains(shown, "Clinic help desk") {
		t.Errorf("the preview shows %q, want the unsaved title", shown)
	}
	adminShot(t, ctx, "settings-widget")
	do(t, ctx, chromedp.Click(`#widget-form button[type="submit"]`),
		consoleUntil(`document.getElementById('w-source').textContent.includes('an admin saved')`))

	// Audit: the saves are there, and the chain holds.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/audit"),
		consoleUntil(`[...document.querySelectorAll('#audit tbody tr')].some(r => r.textContent.includes('widget.changed'))`),
		chromedp.Click("#verify"),
		consoleUntil(`document.getElementById('verify-result').textContent.startsWith('The chain holds')`),
	)
	adminShot(t, ctx, "audit")
}

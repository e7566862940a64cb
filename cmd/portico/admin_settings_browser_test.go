package main

import (
	"strings"
	"testing"

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
		chromedp.SetValue("#w-title", ""),
		chromedp.SendKeys("#w-title", "Clinic help desk"),
		chromedp.SetValue("#w-color", ""),
		chromedp.SendKeys("#w-color", "#ffd400"),
		consoleUntil(`document.querySelectorAll('#w-contrast .contrast-warn').length >= 1`),
		consoleUntil(`(() => { const d = document.getElementById('w-preview').contentDocument;
			const w = d && d.querySelector('portico-chat');
			return !!(w && w.shadowRoot && w.shadowRoot.textContent.includes('Clinic help desk')); })()`),
	)
	adminShot(t, ctx, "settings-widget")
	do(t, ctx, chromedp.Click(`#widget-form button[type="submit"]`),
		consoleUntil(`document.getElementById('w-source').textContent.includes('saved')`))

	// Audit: the saves are there, and the chain holds.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/audit"),
		consoleUntil(`[...document.querySelectorAll('#audit tbody tr')].some(r => r.textContent.includes('widget.changed'))`),
		chromedp.Click("#verify"),
		consoleUntil(`document.getElementById('verify-result').textContent.startsWith('The chain holds')`),
	)
	adminShot(t, ctx, "audit")
}

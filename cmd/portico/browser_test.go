package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// browser returns a headless Chromium tab, or skips the test where the
// machine has no Chromium. In CI (PORTICO_CI set) a missing browser fails
// the test instead: .ci/run installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("PORTICO_CI") != "" {
			t.Fatal("no Chromium on this machine, and CI must run the browser tests (apt-get install chromium)")
		}
		t.Skip("no Chromium on this machine: install it (apt-get install chromium) to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1100, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	return ctx
}

// TestDemoPortalResetInABrowser is the newcomer's path through `make run`:
// open the demo portal, click "Forgot password?", which opens the widget
// straight into the reset, chat through it with the code from the dev
// outbox, then sign in with the new password.
func TestDemoPortalResetInABrowser(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx, resetToCode(srv.URL))
	for attr, want := range map[string]string{"type": "text", "inputmode": "numeric", "autocomplete": "one-time-code"} {
		if got := eval[string](t, ctx, shadow+`.getElementById('input').getAttribute('`+attr+`')`); got != want {
			t.Errorf("code field: got %s=%q, want %q", attr, got, want)
		}
	}
	code := srv.code(t)
	do(t, ctx, typeIn(code), asks("new_password"))
	for attr, want := range map[string]string{"type": "password", "autocomplete": "new-password"} {
		if got := eval[string](t, ctx, shadow+`.getElementById('input').getAttribute('`+attr+`')`); got != want {
			t.Errorf("new password field: got %s=%q, want %q", attr, got, want)
		}
	}
	if hidden := eval[bool](t, ctx, shadow+`.querySelector('.reveal').hidden`); hidden {
		t.Error("the password field has no show/hide button")
	}
	events := `window.__portico = []; document.addEventListener('portico:resolved', e => window.__portico.push(e.type))`
	do(t, ctx, chromedp.Evaluate[chromedp.Void](events),
		typeIn("tulip harbor seven lanterns"),
		botSays("Your password has been changed"),
		statusIs("closed"),
	)
	if got := eval[[]string](t, ctx, `window.__portico`); len(got) != 1 {
		t.Errorf("got events %v, want one portico:resolved", got)
	}
	log := eval[string](t, ctx, shadow+`.getElementById('log').textContent`)
	if strings.Contains(log, "tulip harbor") || strings.Contains(log, code) {
		t.Errorf("the chat shows a secret:\n%s", log)
	}
	if !strings.Contains(log, "••••••") {
		t.Errorf("the chat does not show the masked secret:\n%s", log)
	}
	// The form navigates: subscribe to the new page's load first.
	loaded := chromedp.Events(ctx, page.LoadEventFired)
	do(t, ctx,
		chromedp.SendKeys("#username", "olivia.active"),
		chromedp.SendKeys("#password", "tulip harbor seven lanterns\r"),
	)
	for _, err := range loaded {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	body, err := chromedp.Run(ctx, chromedp.Text("body"))
	if err != nil || !strings.Contains(body, "Welcome, you are signed in") {
		t.Fatalf("after signing in with the new password the page says %q (%v)", body, err)
	}
}

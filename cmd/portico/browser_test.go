package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/portico-chat/portico/connectors/notify"
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

// botSaid waits until the chat log's last bot message contains text.
func botSaid(text string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const m = document.querySelectorAll('#chat-log li.from-bot');
		return m.length > 0 && m[m.length-1].textContent.includes(%q); })()`, text)
	return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(waitLimit))
}

// answer types into the chat box and sends it with Enter.
func answer(text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys("#chat-input", text+"\r")
}

// TestDemoPortalResetInABrowser is the newcomer's path through `make run`:
// open the demo portal, click "Forgot password?", chat through the reset
// with the code from the dev outbox, then sign in with the new password.
func TestDemoPortalResetInABrowser(t *testing.T) {
	ctx := browser(t)
	app := startApp(t, nil)
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	run(
		chromedp.Navigate(app.URL+"/"),
		chromedp.Click(`a[data-flow="reset_password"]`),
		botSaid("How would you like to find your record"),
		chromedp.Click(`#chat-replies button`), // "My name, date of birth and ZIP code"
		botSaid("first name"),
		answer("Olivia"),
		botSaid("last name"),
		answer("Activeuser"),
		botSaid("date of birth"),
		answer("05/17/1985"),
		botSaid("ZIP code"),
		answer("02139"),
		botSaid("one-time code"),
		chromedp.Click(`#chat-replies button`), // "The email on file"
		botSaid("6-digit code"),
	)
	wctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sent, err := app.Dev.Wait(wctx, func(s notify.Sent) bool { return sixDigits.MatchString(s.Text) })
	if err != nil {
		t.Fatal(err)
	}
	kind, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('chat-input').type`))
	if err != nil || kind == "password" {
		t.Errorf("code field type %q (%v), want a visible field", kind, err)
	}
	run(
		answer(sixDigits.FindString(sent.Text)),
		botSaid("choose a new password"),
	)
	kind, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('chat-input').type`))
	if err != nil || kind != "password" {
		t.Errorf("new password field type %q (%v), want password", kind, err)
	}
	run(
		answer("tulip harbor seven lanterns"),
		botSaid("Your password has been changed"),
	)
	log, err := chromedp.Run(ctx, chromedp.Text("#chat-log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log, "tulip harbor") || strings.Contains(log, sixDigits.FindString(sent.Text)) {
		t.Errorf("the chat shows a secret:\n%s", log)
	}
	// The form navigates: subscribe to the new page's load first.
	loaded := chromedp.Events(ctx, page.LoadEventFired)
	run(
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
		t.Fatalf("after signing in with the new password the page says %q (%v)\n%s", body, err, app.Logs.String()[max(0, len(app.Logs.String())-1500):])
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite"
)

// signInAs signs in on the demo portal and returns the page's text after.
func signInAs(t *testing.T, ctx context.Context, user, pass string) string {
	t.Helper()
	loaded := chromedp.Events(ctx, page.LoadEventFired)
	do(t, ctx, chromedp.SendKeys("#username", user), chromedp.SendKeys("#password", pass+"\r"))
	for _, err := range loaded {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	body, err := chromedp.Run(ctx, chromedp.Text("body"))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// transcript returns the seq of every message shown, in page order.
func transcript(t *testing.T, ctx context.Context) []int {
	t.Helper()
	raw := eval[[]string](t, ctx, `[...`+shadow+`.querySelectorAll('#log li[data-seq]')].map(li => li.dataset.seq)`)
	out := make([]int, len(raw))
	for i, s := range raw {
		out[i], _ = strconv.Atoi(s)
	}
	return out
}

// checkTranscript fails unless the messages are 1, 2, 3 … each once.
func checkTranscript(t *testing.T, ctx context.Context) {
	t.Helper()
	seqs := transcript(t, ctx)
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("got messages %v, want 1, 2, 3 … each once, in order", seqs)
		}
	}
}

func TestWidgetActivationWithACode(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`a[data-portico-open="activate_account"]`),
		choose("yes"),
		answer("dob", "01/02/1980"),
		answer("zip", "02139"),
		asks("activation_code"),
	)
	// An activation code has letters: no numeric keypad, no one-time-code autofill.
	attrs := eval[map[string]string](t, ctx, `(() => { const i = `+shadow+`.getElementById('input');
		return {type: i.type, inputmode: i.getAttribute('inputmode') || '', autocapitalize: i.getAttribute('autocapitalize') || '', autocomplete: i.autocomplete}; })()`)
	if attrs["type"] != "text" || attrs["inputmode"] != "" || attrs["autocapitalize"] != "characters" || attrs["autocomplete"] != "off" {
		t.Errorf("activation code field: got %v, want a text field, no inputmode, autocapitalize=characters, autocomplete=off", attrs)
	}
	do(t, ctx,
		typeIn("J36DM-T8UG5"),
		answer("username", "ana.testcase"),
		answer("new_password", "violet canyon morning bicycle"),
		statusIs("closed"),
	)
	if log := eval[string](t, ctx, shadow+`.getElementById('log').textContent`); strings.Contains(log, "J36DM") || strings.Contains(log, "violet canyon") {
		t.Errorf("the chat shows a secret:\n%s", log)
	}
	checkTranscript(t, ctx)
	if body := signInAs(t, ctx, "ana.testcase", "violet canyon morning bicycle"); !strings.Contains(body, "Welcome, you are signed in") {
		t.Fatalf("after activating, signing in shows %q", body)
	}
}

// TestWidgetResumesAcrossReloadAndNavigation: the conversation lives in
// sessionStorage (this tab), so a reload or another page of the portal
// picks it up where it was, with its transcript, and nothing is kept in
// localStorage.
func TestWidgetResumesAcrossReloadAndNavigation(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		choose("name"),
		answer("first_name", "Olivia"),
		asks("last_name"),
	)
	before := transcript(t, ctx)
	do(t, ctx, chromedp.Reload(), asks("last_name"))
	if after := transcript(t, ctx); len(after) != len(before) {
		t.Errorf("after a reload got messages %v, want %v", after, before)
	}
	checkTranscript(t, ctx)
	do(t, ctx,
		typeIn("Activeuser"),
		asks("dob"),
		chromedp.Navigate(srv.URL+"/demo/welcome"),
		asks("dob"),
	)
	checkTranscript(t, ctx)
	if open := eval[string](t, ctx, `document.querySelector('portico-chat').dataset.open`); open != "true" {
		t.Errorf("on the next page the panel is open=%s, want true (it was open)", open)
	}
	stored := eval[map[string]string](t, ctx, `Object.fromEntries(Object.entries(sessionStorage))`)
	if len(stored) != 1 || !strings.Contains(stored["portico.v1"], `"resume":"`) {
		t.Errorf("sessionStorage holds %v, want only portico.v1 with the resume token", stored)
	}
	for _, s := range []string{"Olivia", "Activeuser"} {
		if strings.Contains(stored["portico.v1"], s) {
			t.Errorf("sessionStorage holds what the patient typed: %v", stored)
		}
	}
	if n := eval[int](t, ctx, `localStorage.length`); n != 0 {
		t.Errorf("localStorage holds %d items, want none", n)
	}
	do(t, ctx, answer("dob", "05/17/1985"), asks("zip"))
	checkTranscript(t, ctx)
}

// TestWidgetSurvivesServerRestart stops the server mid-flow (sockets close
// with 1012), types an answer while it is down, starts it again on the
// same address and database: the widget reconnects, the answer is
// delivered exactly once, and the patient finishes.
func TestWidgetSurvivesServerRestart(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		choose("name"),
		answer("first_name", "Olivia"),
		answer("last_name", "Activeuser"),
		asks("dob"),
	)
	srv.stop()
	do(t, ctx,
		until(`r.host.dataset.connection !== 'online' && !r.querySelector('.banner').hidden`),
		typeIn("05/17/1985"),
		until(`r.host.dataset.pending === '1'`),
	)
	banner := eval[string](t, ctx, shadow+`.querySelector('.banner').textContent`)
	// The words change as reconnecting goes on; each says plainly that the
	// chat is not reachable right now.
	if !strings.Contains(banner, "restarting") && !strings.Contains(banner, "offline") && !strings.Contains(banner, "cannot reach") {
		t.Errorf("while the server is down the banner says %q, want that it is restarting, offline or unreachable", banner)
	}
	id := eval[string](t, ctx, shadow+`.querySelector('#log li.pending').dataset.id`)
	if state := eval[string](t, ctx, shadow+`.querySelector('#log li.pending .state').textContent`); !strings.Contains(state, "Not sent yet") {
		t.Errorf("the queued message says %q, want that it is not sent yet", state)
	}
	srv.start()
	do(t, ctx, asks("zip"), until(`r.querySelector('.banner').hidden`))
	var n int
	if err := srv.App.DB.(*sqlite.DB).Reader().QueryRow(`SELECT COUNT(*) FROM messages WHERE client_id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("got %d messages with the queued say's id, want exactly 1", n)
	}
	checkTranscript(t, ctx)
	do(t, ctx, typeIn("02139"), choose("email"), asks("otp"))
	do(t, ctx, typeIn(srv.code(t)), answer("new_password", "amber meadow quiet river"), statusIs("closed"))
	checkTranscript(t, ctx)
	if body := signInAs(t, ctx, "olivia.active", "amber meadow quiet river"); !strings.Contains(body, "Welcome, you are signed in") {
		t.Fatalf("after the reset, signing in shows %q", body)
	}
}

// TestWidgetCrossOrigin embeds the widget in a page of another origin:
// from an allowed origin it chats; from one outside the allowlist the
// socket is refused with 403 and the widget says so instead of spinning.
func TestWidgetCrossOrigin(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	if srv.Site == "" || srv.Site == srv.URL {
		t.Fatalf("the cross-origin demo site is %q, want another origin than %s", srv.Site, srv.URL)
	}
	do(t, ctx,
		chromedp.Navigate(srv.Site+"/"),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		choose("name"),
		answer("first_name", "Olivia"),
		asks("last_name"),
	)
	if origin := eval[string](t, ctx, `location.origin`); origin != srv.Site {
		t.Errorf("the page's origin is %s, want %s", origin, srv.Site)
	}

	// 127.0.0.2 is this machine too, but not on the demo allowlist.
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	foreign := &http.Server{Handler: srv.App.Web.CrossOriginDemo(srv.URL)}
	go foreign.Serve(l)
	t.Cleanup(func() { foreign.Close() })
	do(t, ctx,
		chromedp.Navigate("http://"+l.Addr().String()+"/"),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		until(`r.host.dataset.connection === 'refused'`),
	)
	if text := eval[string](t, ctx, shadow+`.querySelector('.banner').textContent`); !strings.Contains(text, "not available on this website") {
		t.Errorf("the refused widget says %q, want a clear refusal", text)
	}
	if !strings.Contains(srv.Logs.String(), "patient socket refused: origin not allowed") {
		t.Error("the server did not refuse the handshake from the foreign origin")
	}
}

// TestWidgetKeyboardOnly finds the username with Tab, Shift+Tab, Enter,
// Space and typing only: no clicks.
func TestWidgetKeyboardOnly(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#username`),
		chromedp.Poll[chromedp.Void](`document.querySelector('portico-chat')?.isConnected`, chromedp.WithPollingMutation()))
	tabTo(t, ctx, "forgot_username|", false)
	do(t, ctx, key("\r", false), offers("name"))
	if got := eval[string](t, ctx, focused); !strings.HasSuffix(got, "|input") {
		t.Fatalf("after opening, focus is on %q, want the message field", got)
	}
	tabTo(t, ctx, "name|", true)
	do(t, ctx, key(" ", false), asks("first_name"))
	if got := eval[string](t, ctx, focused); !strings.HasSuffix(got, "|input") {
		t.Fatalf("after a quick reply, focus is on %q, want the message field", got)
	}
	for _, a := range []struct{ slot, text string }{{"first_name", "Olivia"}, {"last_name", "Activeuser"}, {"dob", "05/17/1985"}, {"zip", "02139"}} {
		do(t, ctx, asks(a.slot), chromedp.KeyEvent(a.text+"\r"))
	}
	do(t, ctx, offers("email"))
	tabTo(t, ctx, "email|", true)
	do(t, ctx, key("\r", false), asks("otp"))
	t.Log(eval[string](t, ctx, `[...`+shadow+`.querySelectorAll('#log .bubble')].map(b => b.textContent).join(' / ')`)) // shown if no code comes
	do(t, ctx, chromedp.KeyEvent(srv.code(t)+"\r"), statusIs("closed"))
	if got := eval[string](t, ctx, focused); !strings.Contains(got, "Start a new chat") {
		t.Errorf("when the chat ends, focus is on %q, want the start-again button", got)
	}
	do(t, ctx, key(kbEscape, false), until(`r.host.dataset.open === 'false'`))
	if got := eval[string](t, ctx, focused); !strings.HasPrefix(got, "forgot_username|") {
		t.Errorf("after Escape, focus is on %q, want back on the link that opened the chat", got)
	}
}

// kbEscape is the Escape key for chromedp.KeyEvent.
const kbEscape = "\u001b"

// TestWidgetColorsPassContrast checks the widget's theme in the browser
// against an independent WCAG 2.1 computation: text on the accent and the
// accent as text on white reach 4.5:1 whatever accent a portal picks. The
// server decides the theme (/widget/config); Portico.theme asks it.
func TestWidgetColorsPassContrast(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, map[string]string{"widget.color": "#ffff00"})
	do(t, ctx, chromedp.Navigate(srv.URL+"/"),
		chromedp.Poll[chromedp.Void](`window.Portico && document.querySelector('portico-chat')?.isConnected`, chromedp.WithPollingMutation()))
	for _, accent := range []string{"#ffff00", "#0b5cad", "#777777", "#ffffff", "#000000", "#e60000", "#00a651", "#f5a623", "#8a2be2", "#7f7f7f"} {
		th := await[map[string]string](t, ctx, `Portico.theme('`+accent+`')`) // the server's theme of it
		if th["accent"] != accent {
			t.Errorf("%s: the accent became %s; fills keep the portal's color", accent, th["accent"])
		}
		if c := contrastRatio(th["accent"], th["on_accent"]); c < 4.5 {
			t.Errorf("%s: text %s on it has contrast %.2f, want ≥ 4.5", accent, th["on_accent"], c)
		}
		if c := contrastRatio(th["ink"], "#ffffff"); c < 4.5 {
			t.Errorf("%s: ink %s on white has contrast %.2f, want ≥ 4.5", accent, th["ink"], c)
		}
	}
	// The launcher really wears the configured accent and its text color.
	colors := eval[[]string](t, ctx, `(() => { const s = getComputedStyle(`+shadow+`.querySelector('.launcher')); return [s.backgroundColor, s.color]; })()`)
	if colors[0] != "rgb(255, 255, 0)" || colors[1] != "rgb(0, 0, 0)" {
		t.Errorf("launcher with widget.color #ffff00: got background %s, text %s; want yellow with black text", colors[0], colors[1])
	}
}

// contrastRatio is WCAG 2.1's contrast ratio of two #rrggbb colors.
func contrastRatio(a, b string) float64 {
	lum := func(hex string) float64 {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			s := float64(v) / 255
			if s <= 0.04045 {
				c[i] = s / 12.92
			} else {
				c[i] = math.Pow((s+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	x, y := lum(a), lum(b)
	return (math.Max(x, y) + 0.05) / (math.Min(x, y) + 0.05)
}

// TestWidgetAtDoubleZoom: at 200% zoom a 1280×800 window is 640×400 CSS
// pixels. The open panel must fit the window, the question and its input
// must be reachable, and nothing may scroll sideways (WCAG 1.4.4, 1.4.10).
func TestWidgetAtDoubleZoom(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx,
		chromedp.EmulateViewport(640, 400),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Poll[chromedp.Void](`document.querySelector('portico-chat')?.isConnected`, chromedp.WithPollingMutation()),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		choose("name"),
		asks("first_name"),
	)
	fits := eval[string](t, ctx, `(() => { const r = `+shadow+`;
		const p = r.querySelector('.panel').getBoundingClientRect();
		const i = r.querySelector('#input, input[type=text], input:not([type=hidden])').getBoundingClientRect();
		const s = r.querySelector('button[type=submit], .send').getBoundingClientRect();
		const problems = [];
		if (p.left < 0 || p.top < 0 || p.right > innerWidth + 0.5 || p.bottom > innerHeight + 0.5) problems.push('panel outside the window');
		if (i.width < 100 || i.bottom > innerHeight + 0.5) problems.push('input not usable');
		if (s.right > innerWidth + 0.5 || s.bottom > innerHeight + 0.5) problems.push('send button cut off');
		const pane = r.querySelector('.panel');
		if (pane.scrollWidth > pane.clientWidth + 1) problems.push('panel scrolls sideways');
		return problems.join(', '); })()`)
	if fits != "" {
		t.Errorf("at 200%% zoom: %s", fits)
	}
	do(t, ctx, typeIn("Olivia"), asks("last_name"))
}

// TestWidgetCodeFollowsTheServersLength: the widget checks a one-time code
// against the length the server states in the input hint, not a length of
// its own: with the code slot at 8 digits, 6 are refused in the page with
// "8 numbers", and 8 go to the server.
func TestWidgetCodeFollowsTheServersLength(t *testing.T) {
	dir := t.TempDir()
	if err := fs.WalkDir(flows.Builtin(), ".", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dir, path), 0o700)
		}
		src, err := fs.ReadFile(flows.Builtin(), path)
		if err != nil {
			return err
		}
		src = bytes.ReplaceAll(src, []byte("otp: {type: code, autocomplete: one-time-code}"),
			[]byte("otp: {type: code, autocomplete: one-time-code, length: 8}"))
		return os.WriteFile(filepath.Join(dir, path), src, 0o600)
	}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	srv := runServer(t, map[string]string{"flows.dir": dir})
	do(t, ctx,
		resetToCode(srv.URL),
		typeIn("123456"),
		until(`!r.getElementById('err').hidden`),
	)
	if got := eval[string](t, ctx, shadow+`.getElementById('err').textContent`); got != "The code has 8 numbers." {
		t.Errorf("6 digits for an 8-digit code: the widget says %q, want %q", got, "The code has 8 numbers.")
	}
	// Eight digits go to the server, which answers (the code is wrong).
	said := eval[int](t, ctx, shadow+`.querySelectorAll('#log li.from-bot').length`)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('portico-chat').shadowRoot.getElementById('input').value = ''`), typeIn("1234 5678"))
	if shown := eval[bool](t, ctx, `!`+shadow+`.getElementById('err').hidden`); shown {
		t.Fatal("8 digits for an 8-digit code: the widget refuses them")
	}
	do(t, ctx, until(fmt.Sprintf(`r.querySelectorAll('#log li.from-bot').length > %d`, said)))
}

package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/storage/sqlite"
)

// The browser tests of issue 16: where a newcomer trying the demo at
// desktop and phone sizes stopped, each reproduced and fixed.

// sizes are the screens the layout tests run at.
var sizes = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"desktop", 1280, 800, false},
	{"phone", 390, 844, true},
}

// viewport emulates a screen size.
func viewport(width, height int64, mobile bool) chromedp.Action[chromedp.Void] {
	if mobile {
		return chromedp.EmulateViewport(width, height, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(width, height)
}

// loaded waits until the widget is on the page.
var loaded = chromedp.Poll[chromedp.Void](`window.Portico && document.querySelector('portico-chat')?.isConnected`, chromedp.WithPollingMutation())

// click clicks an element of the widget's shadow root.
func click(selector string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`%s.querySelector(%q).click()`, shadow, selector))
}

// lastMessageInView says, after the next two frames are laid out, whether
// the log's last message is inside the log's box: "" when it is, else
// where each was.
func lastMessageInView(t *testing.T, ctx context.Context) string {
	t.Helper()
	js := `new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
		const log = ` + shadow + `.getElementById('log');
		const items = log.querySelectorAll('li');
		if (!items.length) return done('no message');
		const m = items[items.length - 1].getBoundingClientRect(), b = log.getBoundingClientRect();
		done(m.top >= b.top - 0.5 && m.bottom <= b.bottom + 0.5 && b.bottom <= innerHeight + 0.5 ? '' :
			'the last message spans ' + Math.round(m.top) + '–' + Math.round(m.bottom) + ' px, the log ' +
			Math.round(b.top) + '–' + Math.round(b.bottom) + ' px, the window ' + innerHeight + ' px: ' +
			JSON.stringify(items[items.length - 1].textContent.slice(0, 60)));
	})))`
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestWidgetKeepsTheLastMessageInView walks a dialog through the menu,
// questions, a handoff, an agent's messages and the agent's close, whose
// rating question comes with five buttons (it was cut off above them):
// at every step the last message is entirely inside the scroll area.
func TestWidgetKeepsTheLastMessageInView(t *testing.T) {
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t)
			srv := runServer(t, map[string]string{"handoff.auto_assign": "false"})
			check := func(step string) {
				t.Helper()
				if got := lastMessageInView(t, ctx); got != "" {
					t.Errorf("%s at %s: %s", size.name, step, got)
				}
			}
			do(t, ctx, viewport(size.width, size.height, size.mobile), chromedp.Navigate(srv.URL+"/"), loaded,
				chromedp.Click(`button[data-portico-open=""]`), offers("reset_password"))
			check("the menu")
			do(t, ctx, choose("reset_password"), offers("name"))
			check("how to find the record")
			do(t, ctx, choose("name"), asks("first_name"))
			check("a question")
			do(t, ctx, typeIn("I need a person to help me please"), statusIs("queued"))
			check("in the queue")

			a := dialAgent(t, srv.URL, signInAgent(t, srv.URL, demoAgentEmail, demoAgentPassword))
			conv := a.await("the chat in the queue", func(f agentFrame) bool { return f.Type == "queue" && len(f.Items) == 1 }).Items[0].Conversation
			a.send(map[string]any{"type": "claim", "conversation": conv})
			do(t, ctx, statusIs("agent"))
			long := strings.Repeat("I can see your account and I will help you choose a new password right away. ", 4)
			a.send(map[string]any{"type": "say", "conversation": conv, "id": "a1", "text": long})
			do(t, ctx, until(`[...r.querySelectorAll('#log li.from-agent')].length === 1`))
			check("a long message from the agent")
			a.send(map[string]any{"type": "close", "conversation": conv, "resolution": "resolved"})
			do(t, ctx, offers("r5"), botSays("Thank you for chatting with us. How would you rate this chat"))
			check("the rating question above its five buttons")
			do(t, ctx, choose("r5"), until(`r.querySelector('#log li:last-child').classList.contains('from-bot') && r.host.dataset.pending === '0'`))
			check("after rating")
		})
	}
}

// TestWidgetLanguage: a browser set to Spanish gets Spanish on both demo
// origins (the pages negotiate Accept-Language, the widget follows the
// page's <html lang>); the widget's own switch turns the widget and the
// bot's question to English mid-chat, and the pick holds on the next page.
func TestWidgetLanguage(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	// A browser set to Spanish: its Accept-Language and navigator.language.
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "es-ES,es;q=0.9"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "es_ES"}); err != nil {
		t.Fatal(err)
	}
	for _, origin := range []string{srv.URL, srv.Site} {
		do(t, ctx, chromedp.Navigate(origin+"/"), loaded)
		if got := eval[string](t, ctx, `document.documentElement.lang + ' ' + document.querySelector('[data-portico-open="reset_password"]').textContent`); got != "es ¿Olvidó su contraseña?" {
			t.Errorf("%s with a Spanish browser: page says %q, want es ¿Olvidó su contraseña?", origin, got)
		}
		do(t, ctx, chromedp.Click(`a[data-portico-open="reset_password"]`), offers("name"),
			botSays("¿Cómo prefiere que busquemos su expediente?"))
		if got := eval[string](t, ctx, shadow+`.querySelector('.lang').textContent + '|' + `+shadow+`.querySelector('button[type=submit]').textContent`); got != "English|Enviar" {
			t.Errorf("%s: the widget's language button and Send read %q, want English|Enviar", origin, got)
		}
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`))
	}

	// Mid-chat, the widget's own switch: the question is asked again in
	// English, and what the bot says next is English too.
	do(t, ctx, chromedp.Navigate(srv.URL+"/"), loaded,
		chromedp.Click(`a[data-portico-open="reset_password"]`), choose("name"), asks("first_name"))
	btn := eval[map[string]string](t, ctx, `(() => { const b = `+shadow+`.querySelector('.lang');
		return {text: b.textContent, lang: b.lang, label: b.getAttribute('aria-label'), tag: b.tagName}; })()`)
	if btn["text"] != "English" || btn["lang"] != "en" || !strings.HasPrefix(btn["label"], "English") || btn["tag"] != "BUTTON" {
		t.Errorf("language switch %v, want a button English, lang=en, its name starting with its text", btn)
	}
	do(t, ctx, click(".lang"), botSays("What is your first name?"), asks("first_name"))
	ui := eval[string](t, ctx, `[`+shadow+`.querySelector('button[type=submit]').textContent, `+shadow+`.querySelector('.lang').textContent,
		`+shadow+`.querySelector('.end').textContent, document.querySelector('portico-chat').lang].join('|')`)
	if ui != "Send|Español|End chat|en" {
		t.Errorf("after switching: %q, want Send|Español|End chat|en", ui)
	}
	do(t, ctx, typeIn("Olivia"), botSays("last name"))
	// The next page of the portal is Spanish (the browser), the widget
	// keeps the patient's pick.
	do(t, ctx, chromedp.Navigate(srv.URL+"/demo/welcome"), loaded, asks("last_name"))
	if got := eval[string](t, ctx, `document.documentElement.lang + '|' + `+shadow+`.querySelector('button[type=submit]').textContent`); got != "es|Send" {
		t.Errorf("on the next page: %q, want the page es and the widget still English (es|Send)", got)
	}
	// And back to Spanish.
	do(t, ctx, click(".lang"), botSays("apellido"), asks("last_name"))
}

// TestWidgetLogoLoadsOnEveryOrigin: the logo, served by Portico under
// /static/, shows on the portal and on the cross-origin demo site.
func TestWidgetLogoLoadsOnEveryOrigin(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	for _, origin := range []string{srv.URL, srv.Site} {
		do(t, ctx, chromedp.Navigate(origin+"/"), loaded, chromedp.Click(`button[data-portico-open=""]`), offers("agent"),
			until(`r.querySelector('.logo').complete`))
		if w := eval[int](t, ctx, shadow+`.querySelector('.logo').naturalWidth`); w == 0 {
			t.Errorf("%s: the logo is a broken image", origin)
		}
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`))
	}
}

// conversations counts the stored conversations.
func conversations(t *testing.T, srv *server) int {
	t.Helper()
	var n int
	if err := srv.App.DB.(*sqlite.DB).Reader().QueryRowContext(t.Context(), `SELECT count(*) FROM conversations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWidgetShowsAnEndedChatAsEnded: after a finished reset the next page
// and a reload show the ended chat, with its "password changed" and a
// "Start a new chat", and start no new conversation; only the patient's
// click does. A page visited without touching the chat starts none.
func TestWidgetShowsAnEndedChatAsEnded(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx, chromedp.Navigate(srv.URL+"/"), loaded, chromedp.Reload(), loaded)
	if n := conversations(t, srv); n != 0 {
		t.Fatalf("visiting pages started %d conversations, want none", n)
	}
	do(t, ctx,
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		choose("name"), answer("first_name", "Olivia"), answer("last_name", "Activeuser"),
		answer("dob", "05/17/1985"), answer("zip", "02139"), choose("email"), asks("otp"))
	code := srv.code(t)
	do(t, ctx, typeIn(code), answer("new_password", "tulip harbor seven lanterns"), statusIs("closed"))
	ended := func(where string) {
		t.Helper()
		// The transcript is replayed after the welcome: wait for its end.
		if err := chromedp.Do(ctx, until(`r.host.dataset.status === 'closed' && !r.querySelector('.ended').hidden &&
			r.getElementById('log').textContent.includes('Your password has been changed')`)); err != nil {
			t.Fatalf("%s: no ended chat with its confirmation: %v; the log says %q", where, err,
				eval[string](t, ctx, shadow+`.getElementById('log').textContent`))
		}
		got := eval[map[string]any](t, ctx, `(() => { const r = `+shadow+`; return {
			log: r.getElementById('log').textContent, again: r.querySelector('.ended button').textContent,
			endHidden: r.querySelector('.end').hidden, formHidden: r.querySelector('form').hidden,
			open: r.host.dataset.open}; })()`)
		if !strings.Contains(got["log"].(string), "Your password has been changed") {
			t.Errorf("%s: the log lost the confirmation: %q", where, got["log"])
		}
		if got["again"] != "Start a new chat" || got["endHidden"] != true || got["formHidden"] != true || got["open"] != "true" {
			t.Errorf("%s: got %v, want the panel open, Start a new chat, no End chat, no field", where, got)
		}
		if n := conversations(t, srv); n != 1 {
			t.Errorf("%s: %d conversations, want still 1", where, n)
		}
	}
	ended("after the reset")
	do(t, ctx, chromedp.Reload(), loaded)
	ended("after a reload")
	if body := signInAs(t, ctx, "olivia.active", "tulip harbor seven lanterns"); !strings.Contains(body, "Welcome, you are signed in") {
		t.Fatalf("signing in shows %q", body)
	}
	ended("on the next page")
	do(t, ctx, click(".ended button"), offers("reset_password"))
	if n := conversations(t, srv); n != 2 {
		t.Errorf("after Start a new chat: %d conversations, want 2", n)
	}
	if got := eval[string](t, ctx, shadow+`.querySelector('.ended').hidden + '|' + `+shadow+`.querySelector('.end').hidden`); got != "true|false" {
		t.Errorf("a new chat: ended box hidden, End chat hidden = %s, want true|false", got)
	}
}

// TestForgotPasswordFromTheMenu: with the chat at the greeting's menu and
// nothing answered, "Forgot password?" starts the reset, not the menu
// again. Once the patient has answered something, a chat in progress is
// kept.
func TestForgotPasswordFromTheMenu(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx, chromedp.Navigate(srv.URL+"/"), loaded,
		chromedp.Click(`button[data-portico-open=""]`), offers("reset_password"),
		chromedp.Click(`a[data-portico-open="reset_password"]`), offers("name"),
		botSays("How would you like to find your record?"))
	if n := conversations(t, srv); n != 1 {
		t.Errorf("%d conversations, want the one the patient opened", n)
	}
	// Answered: the link keeps the chat where it is.
	do(t, ctx, choose("name"), asks("first_name"),
		chromedp.Click(`a[data-portico-open="forgot_username"]`), asks("first_name"))
	if n := conversations(t, srv); n != 1 {
		t.Errorf("%d conversations, want 1: a chat in progress is kept", n)
	}
}

// TestWidgetEndChatAndPhoneLauncher: "End chat" is gone once the chat has
// ended; on a phone the launcher covers no text while the page scrolls
// down, and at the end of the page the last lines stay clear of it.
func TestWidgetEndChatAndPhoneLauncher(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx, chromedp.Navigate(srv.URL+"/"), loaded, chromedp.Click(`button[data-portico-open=""]`), offers("agent"))
	if hidden := eval[bool](t, ctx, shadow+`.querySelector('.end').hidden`); hidden {
		t.Error("End chat is hidden during a chat")
	}
	do(t, ctx, click(".end"), statusIs("closed"))
	if hidden := eval[bool](t, ctx, shadow+`.querySelector('.end').hidden`); !hidden {
		t.Error("End chat is still shown after the chat ended")
	}
	do(t, ctx, click(".min"), chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`))

	// A long page on a phone.
	do(t, ctx, viewport(390, 844, true), chromedp.Navigate(srv.URL+"/"), loaded,
		chromedp.Evaluate[chromedp.Void](`(() => { const m = document.querySelector('main');
			for (let i = 0; i < 40; i++) { const p = document.createElement('p'); p.className = 'filler';
				p.textContent = 'Paragraph ' + i + ': your care team can answer questions about your visits, results and bills.';
				m.appendChild(p); } })()`))
	covered := `(() => { const l = ` + shadow + `.querySelector('.launcher'); const b = l.getBoundingClientRect();
		if (getComputedStyle(l).visibility === 'hidden' || b.top >= innerHeight) return '';
		const hit = [...document.querySelectorAll('main p, main h1, main h2, main label, footer p')].filter(e => {
			const r = e.getBoundingClientRect(); return r.bottom > b.top && r.top < b.bottom && r.right > b.left && r.left < b.right; });
		return hit.map(e => e.textContent.slice(0, 30)).join(' / '); })()`
	settled := `new Promise(done => setTimeout(() => requestAnimationFrame(() => done(true)), 300))` // the tuck's transition
	label := eval[string](t, ctx, shadow+`.querySelector('.launcher').getAttribute('aria-label')`)
	if !strings.HasPrefix(label, "Open chat") {
		t.Errorf("the compact launcher is named %q, want Open chat…", label)
	}
	for step := range 8 {
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollBy(0, 300)`),
			chromedp.Evaluate[chromedp.Void](settled, chromedp.EvalAwaitPromise))
		if hit := eval[string](t, ctx, covered); hit != "" {
			t.Errorf("scrolling down, step %d: the launcher covers %q", step, hit)
		}
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.documentElement.scrollHeight)`),
		chromedp.Evaluate[chromedp.Void](settled, chromedp.EvalAwaitPromise))
	if eval[string](t, ctx, `getComputedStyle(`+shadow+`.querySelector('.launcher')).visibility`) != "visible" {
		t.Error("at the end of the page the launcher is not shown")
	}
	if hit := eval[string](t, ctx, covered); hit != "" {
		t.Errorf("at the end of the page the launcher covers %q", hit)
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollBy(0, -400)`),
		chromedp.Evaluate[chromedp.Void](settled, chromedp.EvalAwaitPromise))
	if eval[string](t, ctx, `getComputedStyle(`+shadow+`.querySelector('.launcher')).visibility`) != "visible" {
		t.Error("scrolling up does not bring the launcher back")
	}
}

// TestWidgetWording: one greeting, not two; each rejection said once;
// codes and notices name the clinic's portal, not Portico.
func TestWidgetWording(t *testing.T) {
	for _, tt := range []struct {
		lang, taken, short, portal string
	}{
		{"en", "That username is already taken. Please choose a different username.",
			"That password is too short: it needs at least 15 characters. Please choose a different one.",
			"Your Sample Health account is active"},
		{"es", "Ese nombre de usuario ya está en uso. Por favor, elija otro nombre de usuario.",
			"Esa contraseña es muy corta: necesita al menos 15 caracteres. Por favor, elija otra.",
			"Su cuenta de Sample Health está activa"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			ctx := browser(t)
			srv := runServer(t, nil)
			dob := map[string]string{"en": "01/02/1980", "es": "02/01/1980"}[tt.lang]
			do(t, ctx, chromedp.Navigate(srv.URL+"/?lang="+tt.lang), loaded,
				chromedp.Click(`button[data-portico-open=""]`), offers("activate_account"))
			intro := eval[string](t, ctx, `(() => { const i = `+shadow+`.querySelector('.intro'); return i.hidden ? '' : i.textContent; })()`)
			if intro != "" {
				t.Errorf("a greeting line above the bot's greeting: %q", intro)
			}
			do(t, ctx, choose("activate_account"), choose("yes"), answer("dob", dob), answer("zip", "02139"),
				answer("activation_code", "J36DM-T8UG5"), answer("username", "olivia.active"), asks("username"))
			last := func() string {
				return eval[string](t, ctx, `(() => { const m = `+shadow+`.querySelectorAll('#log li.from-bot .bubble'); return m[m.length-1].textContent; })()`)
			}
			if got := last(); got != tt.taken {
				t.Errorf("a taken username: got %q, want %q", got, tt.taken)
			}
			do(t, ctx, typeIn("ana.t"), answer("new_password", "too short"), asks("new_password"))
			if got := last(); !strings.HasPrefix(got, tt.short) || strings.Count(strings.ToLower(got), "15") != 1 {
				t.Errorf("a short password: got %q, want it to start %q and say the length once", got, tt.short)
			}
			do(t, ctx, typeIn("violet canyon morning bicycle"), statusIs("closed"))
			wait, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			sent, err := srv.App.Dev.Wait(wait, func(s notify.Sent) bool { return strings.Contains(s.Subject, tt.portal) })
			if err != nil {
				t.Fatalf("no notice naming %q in the dev outbox: %v", tt.portal, err)
			}
			if strings.Contains(sent.Subject+sent.Text, "Portico") {
				t.Errorf("the notice says Portico: %q %q", sent.Subject, sent.Text)
			}
		})
	}
}

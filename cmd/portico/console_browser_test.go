package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico-chat/portico/bot"
)

// consoleWidth and consoleHeight are the console's reference screen.
const consoleWidth, consoleHeight = 1280, 800

// consoleUntil waits, without sleeping, until the console page expression
// cond is true; while the page is still loading (no such element yet) it
// counts as false.
func consoleUntil(cond string) chromedp.Action[chromedp.Void] {
	// Checked on every animation frame, not on DOM mutations: a text box's
	// value changes without one.
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(`(() => { try { return !!(%s); } catch { return false; } })()`, cond),
		chromedp.WithPollingTimeout(waitLimit))
}

// consoleType types into the reply box as keystrokes and sends with Enter.
func consoleType(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus("#reply-text"), chromedp.KeyEvent(text+"\r"))
}

// agentSees waits until the open chat's transcript has a message from
// sender containing text.
func agentSees(from, text string) chromedp.Action[chromedp.Void] {
	return consoleUntil(fmt.Sprintf(`[...document.querySelectorAll('#transcript li.from-%s')].some(li => li.textContent.includes(%q))`, from, text))
}

// patientSees waits until the widget shows a message from sender
// containing text.
func patientSees(from, text string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`[...r.querySelectorAll('#log li.from-%s')].some(li => li.textContent.includes(%q))`, from, text))
}

// consoleShot saves the console as docs/images/console-NAME.png when
// PORTICO_SCREENSHOTS is set (to refresh the docs), else in the
// git-ignored screenshot folder.
func consoleShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := shots(t)
	if os.Getenv("PORTICO_SCREENSHOTS") != "" {
		dir = filepath.Join(repoRoot(t), "docs", "images")
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "console-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHandoffInTwoBrowsers is the human handoff end to end, in two
// isolated browser contexts: the patient asks the widget for a person;
// the demo agent, signed in to the console, is alerted, claims the chat,
// they talk, the agent adds an internal note and a canned response and
// closes the chat; the patient rates it. Screenshots of the console at
// 1280×800 are taken on the way.
func TestHandoffInTwoBrowsers(t *testing.T) {
	patient := browser(t)
	srv := runServer(t, nil)
	do(t, patient) // start the browser, so the agent gets a context of its own in it
	agent, cancel := chromedp.NewContext(patient, chromedp.WithNewBrowserContext())
	defer cancel()

	// The agent signs in and waits, away, so the chat stays in the queue.
	do(t, agent,
		chromedp.EmulateViewport(consoleWidth, consoleHeight),
		chromedp.Navigate(srv.URL+"/agent"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", demoAgentEmail),
		chromedp.SendKeys("#password", demoAgentPassword+"\r"),
		chromedp.WaitVisible("#conn-state"), // the console, after the redirect
		consoleUntil(`document.getElementById('conn-state').textContent === 'Connected'`),
		// Count the alert sounds: the console makes them with WebAudio.
		chromedp.Evaluate[chromedp.Void](`window.__beeps = 0; { const C = window.AudioContext;
			window.AudioContext = class extends C { createOscillator() { window.__beeps++; return super.createOscillator(); } }; }`),
	)
	if title := eval[string](t, agent, `document.title`); title != "Portico console" {
		t.Errorf("empty queue: got title %q, want %q", title, "Portico console")
	}

	// The patient asks for a person.
	do(t, patient,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`button[data-portico-open=""]`),
		choose("agent"),
		statusIs("queued"),
	)

	// The console alerts: the queue, the sound, the tab title.
	do(t, agent, consoleUntil(`document.querySelectorAll('#queue li').length === 1`))
	do(t, agent, consoleUntil(`document.title === '(1) Portico console'`))
	if beeps := eval[int](t, agent, `window.__beeps`); beeps < 1 {
		t.Errorf("got %d alert sounds for a new chat, want at least 1", beeps)
	}
	if reason := eval[string](t, agent, `document.querySelector('#queue .q-reason').textContent`); reason == "" {
		t.Error("the queue does not say why the patient is waiting")
	}
	consoleShot(t, agent, "queue")

	// The agent claims it; both sides see the chat is with a person.
	do(t, agent,
		chromedp.Click(`#queue li button`),
		consoleUntil(`!document.getElementById('reply').hidden && document.getElementById('chat-status').textContent === 'agent'`),
		agentSees("bot", ""), // the bot's part of the transcript is there
	)
	do(t, patient, statusIs("agent"))

	do(t, agent,
		consoleType("Hello, this is Alex from the portal team."),
		agentSees("agent", "Hello, this is Alex"),
		consoleUntil(`document.querySelectorAll('#transcript li.pending').length === 0`), // stored, no longer "sending…"
	)
	do(t, patient, patientSees("agent", "Hello, this is Alex"))
	do(t, patient, typeIn("Thank you, I cannot sign in."))
	do(t, agent, agentSees("patient", "I cannot sign in"))

	// An internal note is visibly different and never reaches the patient.
	do(t, agent,
		chromedp.Click(`input[name="mode"][value="note"]`),
		consoleType("Patient says sign-in fails; no lock on the record."),
		agentSees("note", "no lock on the record"),
		chromedp.Click(`input[name="mode"][value="say"]`),
	)

	// A canned response, from the keyboard: "/he", Enter inserts it.
	do(t, agent,
		chromedp.Focus("#reply-text"),
		chromedp.KeyEvent("/he"),
		// Wait for the list filtered by "he" (only /hello), not the whole
		// list the "/" alone opens: Enter takes the first item shown.
		consoleUntil(`!document.getElementById('canned-list').hidden && document.querySelectorAll('#canned-list li').length === 1`),
	)
	if os.Getenv("PORTICO_SCREENSHOTS") != "" {
		// Only when refreshing the docs: a screenshot between showing the list
		// and choosing from it can blur the box, which closes the list.
		consoleShot(t, agent, "canned")
		// The screenshot may have blurred the box and closed the list: open it again.
		do(t, agent,
			chromedp.Focus("#reply-text"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('reply-text').dispatchEvent(new Event('input'))`),
			consoleUntil(`!document.getElementById('canned-list').hidden && document.querySelectorAll('#canned-list li').length === 1`),
		)
	}
	do(t, agent,
		chromedp.KeyEvent("\r"),
		consoleUntil(`document.getElementById('reply-text').value.includes('thanks for waiting')`),
		chromedp.KeyEvent("\r"),
		agentSees("agent", "thanks for waiting"),
	)
	do(t, patient, patientSees("agent", "thanks for waiting"))
	if leaked := eval[bool](t, patient, shadow+`.textContent.includes('no lock on the record')`); leaked {
		t.Error("the patient sees the internal note")
	}
	consoleShot(t, agent, "chat")

	// The agent closes the chat; the patient is asked to rate it.
	do(t, agent,
		chromedp.Click(`#close-box summary`),
		chromedp.SetValue(`#close-resolution`, "resolved"),
		chromedp.Click(`#close button[type="submit"]`),
		consoleUntil(`document.getElementById('reply').hidden`),
	)
	do(t, patient,
		choose("r5"),
		asks("comment"),
		typeIn("no"),
		botSays("take care"),
	)

	// Past conversations: the chat is there, and opens read-only.
	do(t, agent,
		chromedp.Click(`#view-past`),
		consoleUntil(`document.querySelectorAll('#results tr').length >= 1`),
	)
	consoleShot(t, agent, "past")
	do(t, agent,
		chromedp.Click(`#results tr button`),
		consoleUntil(`!document.getElementById('live').hidden && !document.getElementById('read-only').hidden`),
		agentSees("patient", "I cannot sign in"),
	)
	// The console may show a chat it already holds before the server has
	// answered its "open"; the audit row follows that answer.
	waitAudit(t, srv.App.DB, "agent.signin/ok", "transcript.viewed/ok")
}

// waitAudit waits until every wanted type/outcome is in the audit log,
// polling on a short tick bounded by waitLimit (nothing signals a row).
func waitAudit(t *testing.T, db interface {
	AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]bot.AuditEvent, error)
}, want ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		events, err := db.AuditEvents(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range events {
			seen[e.Type+"/"+e.Outcome] = true
		}
		missing := ""
		for _, w := range want {
			if !seen[w] {
				missing = w
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the audit log lacks %s", missing)
		case <-tick.C:
		}
	}
}

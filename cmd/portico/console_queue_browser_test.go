package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// signInConsole signs the demo agent in to the console of srv.
func signInConsole(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx,
		chromedp.EmulateViewport(consoleWidth, consoleHeight),
		chromedp.Navigate(base+"/agent"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", demoAgentEmail),
		chromedp.SendKeys("#password", demoAgentPassword+"\r"),
		chromedp.WaitVisible("#conn-state"),
		consoleUntil(`document.getElementById('conn-state').textContent === 'Connected'`),
	)
}

// askForAPerson opens a conversation over the patient socket and asks for
// a person from the greeting's menu; it returns the patient and the
// conversation's ID.
func askForAPerson(t *testing.T, base string) (*patient, string) {
	t.Helper()
	p := dial(t, base)
	w, _ := p.hello("", 0, "en", "")
	p.say("reply:agent")
	return p, w.Conversation
}

// TestConsoleQueueAndPresence is the console as a newcomer meets it: it
// starts away, with an unmistakable "Start taking chats"; a patient who
// left is marked ("Patient left … ago") and listed after those still
// there, and auto-assignment passes them by; a claim beyond the agent's
// capacity is refused with a clear message, and taken anyway only by
// choice (handoff.capacity_override: everyone).
func TestConsoleQueueAndPresence(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, map[string]string{
		"handoff.patient_gone_after": "1s",
		"handoff.capacity_override":  "everyone",
	})
	agent, err := srv.App.DB.UserByEmail(context.Background(), demoAgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.App.DB.SetUserWork(context.Background(), agent.ID, agent.Name, 1, nil); err != nil {
		t.Fatal(err)
	}
	signInConsole(t, ctx, srv.URL)

	// Away, and it says so: a status, and a button that says what it does.
	if got := eval[string](t, ctx, `document.getElementById('presence-state').textContent`); got != "You're away" {
		t.Errorf("presence status %q, want %q", got, "You're away")
	}
	if got := eval[string](t, ctx, `document.getElementById('presence').textContent`); got != "Start taking chats" {
		t.Errorf("presence button %q, want %q", got, "Start taking chats")
	}
	if !eval[bool](t, ctx, `!document.getElementById('away-banner').hidden && document.getElementById('start-taking').textContent === 'Start taking chats'`) {
		t.Error("a console that starts away shows no banner with \"Start taking chats\"")
	}

	// Two patients ask for a person; the first closes the page.
	gone, goneID := askForAPerson(t, srv.URL)
	_, hereID := askForAPerson(t, srv.URL)
	gone.conn.Close()

	do(t, ctx, consoleUntil(fmt.Sprintf(`(() => { const li = document.querySelectorAll('#queue li');
		return li.length === 2 && li[0].dataset.conversation === %q && li[1].dataset.conversation === %q &&
			li[1].classList.contains('gone') && !li[0].classList.contains('gone') &&
			li[1].querySelector('.q-left').textContent.startsWith('Patient left '); })()`, hereID, goneID)))
	if got := eval[string](t, ctx, `document.querySelector('#queue li.gone .q-left').textContent`); got != "Patient left under a minute ago" {
		t.Errorf("the mark reads %q, want %q", got, "Patient left under a minute ago")
	}
	if label := eval[string](t, ctx, `document.querySelector('#queue li.gone button').getAttribute('aria-label')`); label != "Claim chat waiting in portal-support (the patient has left)" {
		t.Errorf("the claim button's label %q does not say the patient left", label)
	}
	if title := eval[string](t, ctx, `document.title`); title != "(1) Portico console" {
		t.Errorf("title %q, want only the patient still there counted", title)
	}
	consoleShot(t, ctx, "queue-left")
	t.Run("accessible", func(t *testing.T) { // skips, alone, without npm
		axe := axeScript(t)
		axeCheckIn(t, ctx, axe, "header.top", "console header, away")
		axeCheckIn(t, ctx, axe, ".queue-pane", "queue with a patient who left")
	})

	// Start taking chats: the patient still there is assigned, not the one who left.
	do(t, ctx,
		chromedp.Click(`#start-taking`),
		consoleUntil(`document.getElementById('away-banner').hidden && document.getElementById('presence-state').textContent === "You're taking chats"`),
		consoleUntil(`!document.getElementById('reply').hidden`),
		consoleUntil(`document.getElementById('load').textContent === 'Chats 1 of 1'`),
	)
	if got := eval[string](t, ctx, `document.getElementById('presence').textContent`); got != "Stop taking chats" {
		t.Errorf("presence button when available %q, want %q", got, "Stop taking chats")
	}
	if c, err := srv.App.DB.Conversation(context.Background(), hereID); err != nil || c.Agent != agent.ID {
		t.Fatalf("the patient still there: held by %q (%v), want the agent", c.Agent, err)
	}
	if c, _ := srv.App.DB.Conversation(context.Background(), goneID); c.Status != "queued" {
		t.Errorf("the patient who left: %s, want still queued (never auto-assigned)", c.Status)
	}

	// At capacity, a claim is refused, saying why; "Take it anyway" takes it.
	do(t, ctx,
		chromedp.Click(`#queue li.gone button`),
		consoleUntil(`!document.getElementById('toast').hidden && !document.getElementById('toast-action').hidden`),
	)
	if got := eval[string](t, ctx, `document.getElementById('toast-text').textContent`); got != "You already have 1 chat, your limit. Close or transfer one first." {
		t.Errorf("refusal %q, want the capacity explained", got)
	}
	if c, _ := srv.App.DB.Conversation(context.Background(), goneID); c.Status != "queued" {
		t.Errorf("after the refused claim: %s, want still queued", c.Status)
	}
	do(t, ctx,
		chromedp.Click(`#toast-action`),
		consoleUntil(`document.getElementById('load').textContent === 'Chats 2 of 1' && document.getElementById('load').classList.contains('full')`),
		consoleUntil(`document.querySelectorAll('#queue li').length === 0`),
	)
	if c, _ := srv.App.DB.Conversation(context.Background(), goneID); c.Agent != agent.ID {
		t.Errorf("after \"Take it anyway\": held by %q, want the agent", c.Agent)
	}
	waitAudit(t, srv.App.DB, "claim/claimed")
}

package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// signInForm fills the console's sign-in form at the page the browser is
// on and submits it.
func signInForm() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", demoAdminEmail),
		chromedp.SendKeys("#password", demoAdminPassword+"\r"),
	)
}

// TestSignInReturnsToTheAdminPageAskedFor: opening an admin page signed
// out asks to sign in and then shows that page, not the console; a next
// parameter that points elsewhere lands on the console of this server.
func TestSignInReturnsToTheAdminPageAskedFor(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	do(t, ctx,
		chromedp.EmulateViewport(consoleWidth, consoleHeight),
		chromedp.Navigate(srv.URL+"/admin/analytics"),
		// The sign-in page, asked to return to the dashboard.
		consoleUntil(`location.pathname === '/agent/signin' && new URLSearchParams(location.search).get('next') === '/admin/analytics' && document.getElementById('email')`),
	)
	do(t, ctx, signInForm(), chromedp.WaitVisible("#charts")) // waits through the navigation
	if got := eval[string](t, ctx, `location.pathname`); got != "/admin/analytics" {
		t.Errorf("after signing in the browser is at %s, want /admin/analytics", got)
	}

	// Signed out again, a next that points anywhere else ends on this
	// server's console.
	for _, next := range []string{"//evil.example/admin", "/\\evil.example", "https://evil.example/admin", "/\t/evil.example", "javascript:alert(1)"} {
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		do(t, ctx,
			chromedp.Navigate(srv.URL+"/agent/signin?next="+url.QueryEscape(next)),
			signInForm(),
			chromedp.WaitVisible("#conn-state"), // the console
		)
		if got := eval[string](t, ctx, `location.origin + location.pathname`); got != srv.URL+"/agent" {
			t.Errorf("after signing in with next=%q the browser is at %s, want %s/agent", next, got, srv.URL)
		}
	}
}

// draftBadge is the editor's draft badge as "text|title".
const draftBadge = `(() => { const b = document.getElementById('draft-state'); return b.textContent + '|' + (b.title || ''); })()`

// TestEditorKnowsAnUndoneEditIsNoChange: typing a character and deleting
// it leaves nothing unsaved and nothing to publish, and the sandbox does
// not save a draft of the same text; a real change, saved, shows its
// author by name with the reference on hover, in the badge, the versions
// and the audit log, whose details wrap between words.
func TestEditorKnowsAnUndoneEditIsNoChange(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	adminSignIn(t, ctx, srv.URL)
	openEditor(t, ctx, srv.URL, "greeting")

	for _, pane := range []string{"source", "tests"} {
		if pane == "tests" {
			do(t, ctx, chromedp.Click("#tab-tests"))
		}
		do(t, ctx, chromedp.Focus("#"+pane), chromedp.KeyEvent("x"),
			consoleUntil(`document.getElementById('editor-page').dataset.dirty === 'true'`))
		if got := eval[string](t, ctx, `document.getElementById('save-state').textContent`); got != "Unsaved changes" {
			t.Errorf("%s: after typing, the page says %q, want Unsaved changes", pane, got)
		}
		do(t, ctx, chromedp.KeyEvent("\b"), checked,
			consoleUntil(`document.getElementById('editor-page').dataset.dirty === 'false'`))
		if got := eval[string](t, ctx, `document.getElementById('save-state').textContent`); got == "Unsaved changes" {
			t.Errorf("%s: after typing a character and deleting it the page still says %q", pane, got)
		}
		if !eval[bool](t, ctx, `document.getElementById('publish').disabled`) {
			t.Errorf("%s: Publish is enabled for the text that is already published", pane)
		}
	}
	do(t, ctx, chromedp.Click("#tab-source"))

	// The sandbox runs the published text without saving a copy of it.
	do(t, ctx,
		chromedp.Click("#tab-sandbox"),
		chromedp.Click("#sandbox-start"),
		consoleUntil(`document.querySelectorAll('#sandbox-log li.from-bot').length > 0`),
	)
	if got := eval[string](t, ctx, draftBadge); got != "No draft|" {
		t.Errorf("after a sandbox chat of unchanged text the badge reads %q, want No draft", got)
	}
	if body := fetchJSON(t, ctx, "/admin/api/flows/greeting"); !strings.Contains(body, `"draft":null`) {
		t.Errorf("the sandbox saved a draft of unchanged text: %s", body)
	}

	// A real change, saved: the badge names the admin, the id on hover.
	replaceText(t, ctx, "source", "", "Hello! I can help", "Good day! I can help")
	do(t, ctx, checked, chromedp.Click("#save"),
		consoleUntil(`document.getElementById('editor-page').dataset.dirty === 'false' && document.getElementById('draft-state').textContent.startsWith('Draft by')`))
	badge := eval[string](t, ctx, draftBadge)
	text, title, _ := strings.Cut(badge, "|")
	if !strings.HasPrefix(text, "Draft by Demo Admin, ") || !strings.HasPrefix(title, "admin:") || len(title) < len("admin:")+16 {
		t.Errorf("the draft badge reads %q with title %q, want \"Draft by Demo Admin, …\" and the admin:<id> reference on hover", text, title)
	}
	runTestsAndPublish(t, ctx, 2)
	do(t, ctx, chromedp.Click("#tab-versions"), consoleUntil(`document.querySelectorAll('#versions tr').length === 2`))
	cells := eval[[]string](t, ctx, `[...document.querySelectorAll('#versions tr[data-version="2"] td .person')].map(s => s.textContent + '|' + s.title)`)
	if len(cells) != 2 || !strings.HasPrefix(cells[0], "Demo Admin|admin:") || !strings.HasPrefix(cells[1], "Demo Admin|admin:") {
		t.Errorf("version 2's author and publisher read %q, want Demo Admin with the admin:<id> on hover", cells)
	}

	// The audit log: names, the reference on hover; a long detail (this
	// search's own row) wraps between words, never inside one.
	actorID := title
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/audit"),
		consoleUntil(`document.querySelectorAll('#audit tbody tr').length > 0`),
		chromedp.SendKeys("#a-actor", actorID),
		chromedp.SendKeys("#a-type", "flow.publish"),
		chromedp.SendKeys("#a-subject", "flow:greeting-and-a-rather-long-subject-to-search-for"),
		chromedp.Click(`#audit-filter button[type="submit"]`),
		consoleUntil(`document.getElementById('audit-empty').hidden === false || document.querySelectorAll('#audit tbody tr').length > 0`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('audit-filter').reset()`),
		chromedp.Click(`#audit-filter button[type="submit"]`),
		consoleUntil(`[...document.querySelectorAll('#audit tbody tr')].some(r => r.textContent.includes('audit.viewed') && r.textContent.includes('subject='))`),
	)
	actors := eval[[]string](t, ctx, `[...document.querySelectorAll('#audit tbody tr')].filter(r => r.textContent.includes('flow.publish')).map(r => { const p = r.cells[3].querySelector('.person'); return p.textContent + '|' + p.title; })`)
	if len(actors) == 0 {
		t.Fatal("the audit log lists no flow.publish")
	}
	for _, a := range actors {
		if a != "Demo Admin|"+actorID {
			t.Errorf("a flow.publish actor reads %q, want Demo Admin with %s on hover", a, actorID)
		}
	}
	for _, width := range []int{consoleWidth, 1024, 800} {
		do(t, ctx, chromedp.EmulateViewport(int64(width), consoleHeight))
		if broken := eval[[]string](t, ctx, brokenWords); len(broken) > 0 {
			t.Errorf("at %d px the audit detail breaks inside these words: %q", width, broken)
		}
	}
	do(t, ctx, chromedp.EmulateViewport(consoleWidth, consoleHeight))
	axeCheckIn(t, ctx, axeScript(t), "main", "the audit log")
}

// brokenWords lists the words of audit details that the browser split
// over two lines. A word is a run of two or more letters between
// non-letters other than digits ("greeting", "position"); ids and hashes
// ("3c84b6…") may break anywhere.
const brokenWords = `(() => {
  const broken = [];
  for (const td of document.querySelectorAll('#audit td.audit-detail')) {
    const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const m of node.data.matchAll(/(?<![\p{L}\p{N}])\p{L}{2,}(?![\p{L}\p{N}])/gu)) {
        const r = document.createRange();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
})()`

// fetchJSON reads an admin API path with the page's session.
func fetchJSON(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(r => r.text())`, path), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return body
}

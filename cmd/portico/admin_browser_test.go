package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// adminShot saves the admin page as docs/images/admin-NAME.png when
// PORTICO_SCREENSHOTS is set (to refresh the docs), else in the
// git-ignored screenshot folder.
func adminShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := shots(t)
	if os.Getenv("PORTICO_SCREENSHOTS") != "" {
		dir = filepath.Join(repoRoot(t), "docs", "images")
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "admin-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// adminSignIn signs the demo admin in through the console's form at
// 1280×800.
func adminSignIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx,
		chromedp.EmulateViewport(consoleWidth, consoleHeight),
		chromedp.Navigate(base+"/agent/signin"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", demoAdminEmail),
		chromedp.SendKeys("#password", demoAdminPassword+"\r"),
		chromedp.WaitVisible("#conn-state"), // the console, after the redirect
	)
}

// openEditor opens a flow's editor and waits until it has loaded and
// checked the flow.
func openEditor(t *testing.T, ctx context.Context, base, flow string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/admin/flows/"+flow),
		consoleUntil(`document.getElementById('editor-page').dataset.ready === 'true' && document.getElementById('editor-page').dataset.validating === 'false'`),
	)
}

// replaceText selects the first occurrence of old (after the first of
// after, if given) in the editor textarea id and types new over it, as
// keystrokes. It returns the line old was on.
func replaceText(t *testing.T, ctx context.Context, id, after, old, new string) int {
	t.Helper()
	line := eval[int](t, ctx, fmt.Sprintf(`(() => { const ta = document.getElementById(%q);
		const i = ta.value.indexOf(%q, Math.max(0, ta.value.indexOf(%q)));
		if (i < 0) return -1;
		ta.focus(); ta.setSelectionRange(i, i + %d);
		return ta.value.slice(0, i).split('\n').length; })()`, id, old, after, len(old)))
	if line < 0 {
		t.Fatalf("%s has no %q", id, old)
	}
	do(t, ctx, chromedp.KeyEvent(new))
	return line
}

// caretLine is the line of the caret in the flow editor, and whether the
// editor has the focus.
const caretLine = `(() => { const ta = document.getElementById('source');
	return (document.activeElement === ta ? '' : 'unfocused:') + ta.value.slice(0, ta.selectionStart).split('\n').length; })()`

// checked waits until the editor has checked the latest text.
var checked = consoleUntil(`document.getElementById('editor-page').dataset.validating === 'false'`)

// runTestsAndPublish saves, runs the transcript tests (all must pass) and
// publishes; it waits for version want.
func runTestsAndPublish(t *testing.T, ctx context.Context, want int) {
	t.Helper()
	do(t, ctx,
		checked,
		chromedp.Click("#run-tests"),
		consoleUntil(`['passed', 'failed', 'error'].includes(document.getElementById('tests-summary').dataset.state)`),
	)
	if state := eval[string](t, ctx, `document.getElementById('tests-summary').dataset.state`); state != "passed" {
		t.Fatalf("the tests did not pass: %s\n%s", state, eval[string](t, ctx, `document.getElementById('panel-results').innerText`))
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#test-results > li.pass').length`); n == 0 {
		t.Fatal("no test result is listed as passed")
	}
	do(t, ctx,
		consoleUntil(`!document.getElementById('publish').disabled`),
		chromedp.Click("#publish"),
		consoleUntil(fmt.Sprintf(`document.getElementById('editor-page').dataset.version === '%d' && document.getElementById('editor-page').dataset.ready === 'true'`, want)),
	)
	if got := eval[string](t, ctx, `document.getElementById('flow-version').textContent`); got != fmt.Sprintf("Published v%d", want) {
		t.Errorf("after publishing: the page says %q, want Published v%d", got, want)
	}
}

// TestAdminEditsTestsAndPublishesAFlow is the admin's path through the
// editor: open reset_password, break a transition, see the problem at its
// line, jump to it, fix it, reword a prompt, find states from the diagram,
// run the tests, publish, and read the diff; then reword the greeting,
// try it in the sandbox, publish it, and see a new widget chat greet with
// the new words.
func TestAdminEditsTestsAndPublishesAFlow(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	adminSignIn(t, ctx, srv.URL)
	openEditor(t, ctx, srv.URL, "reset_password")
	if got := eval[string](t, ctx, `document.getElementById('flow-version').textContent`); got != "Published v1" {
		t.Errorf("reset_password: the page says %q, want Published v1", got)
	}
	if !eval[bool](t, ctx, `document.getElementById('publish').disabled`) {
		t.Error("Publish is enabled with nothing to publish")
	}

	// A transition to a state that does not exist: the problem shows at
	// its line, in the gutter and the list, and Publish is refused.
	line := replaceText(t, ctx, "source", "  ask_password:", "set_password", "missing_state")
	do(t, ctx, checked, consoleUntil(fmt.Sprintf(`document.querySelector('#code-source .gutter .ln.problem[data-line="%d"]')`, line)))
	problem := fmt.Sprintf(`#problems li[data-file="reset_password.yaml"][data-line="%d"]`, line)
	msg := eval[string](t, ctx, `document.querySelector('`+problem+`')?.textContent || ''`)
	if !strings.Contains(msg, "missing_state") || !strings.Contains(msg, fmt.Sprintf("line %d", line)) {
		t.Errorf("the problem at line %d reads %q; want it to name missing_state and the line", line, msg)
	}
	if !eval[bool](t, ctx, `document.getElementById('publish').disabled`) {
		t.Error("Publish is enabled while the flow has a problem")
	}
	if why := eval[string](t, ctx, `document.getElementById('publish-why').textContent`); !strings.Contains(why, "problem") {
		t.Errorf("the page says %q about publishing, want the problems named as the reason", why)
	}
	adminShot(t, ctx, "editor")

	// Clicking the problem puts the caret on its line.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('source').setSelectionRange(0, 0)`), chromedp.Blur("#source"))
	do(t, ctx, chromedp.Click(problem+" button"))
	if got := eval[string](t, ctx, caretLine); got != fmt.Sprint(line) {
		t.Errorf("after clicking the problem the caret is at %q, want line %d in the focused editor", got, line)
	}

	// The fix, and new wording for the password prompt.
	replaceText(t, ctx, "source", "", "missing_state", "set_password")
	do(t, ctx, checked, consoleUntil(`document.querySelectorAll('#problems li').length === 0`))
	replaceText(t, ctx, "source", "", "Please choose a new password.", "Please pick a new password now.")
	do(t, ctx, checked, chromedp.Click("#save"),
		consoleUntil(`document.getElementById('editor-page').dataset.dirty === 'false' && document.querySelector('#diagram[data-version="draft"] g[data-state="ask_password"]')`))

	// The diagram: a click on a state, or Enter on it, goes to its line.
	for _, how := range []string{"click", "key"} {
		state := map[string]string{"click": "ask_password", "key": "set_password"}[how]
		want := eval[int](t, ctx, fmt.Sprintf(`document.getElementById('source').value.split('\n').findIndex(l => /^\s+%s:\s*$/.test(l)) + 1`, state))
		node := fmt.Sprintf(`#diagram g[data-state=%q]`, state)
		if how == "click" {
			do(t, ctx, chromedp.Click(node))
		} else {
			do(t, ctx, chromedp.Focus(node), chromedp.KeyEvent("\r"))
		}
		if got := eval[string](t, ctx, caretLine); got != fmt.Sprint(want) {
			t.Errorf("%s on the diagram's %s: the caret is at %q, want line %d", how, state, got, want)
		}
		if line := eval[int](t, ctx, `Number(document.querySelector('`+node+`').dataset.line)`); line != want {
			t.Errorf("the diagram says %s is at line %d, want %d", state, line, want)
		}
	}
	adminShot(t, ctx, "diagram")

	runTestsAndPublish(t, ctx, 2)

	// The versions panel: the diff from v1 to v2 marks the reworded line.
	do(t, ctx,
		chromedp.Click("#tab-versions"),
		consoleUntil(`document.querySelectorAll('#versions tr').length === 2`),
		chromedp.SetValue("#diff-from", "1"),
		chromedp.SetValue("#diff-to", "2"),
		chromedp.Click(`#diff-form button[type="submit"]`),
		consoleUntil(`!document.getElementById('diff').hidden && document.querySelector('#diff .dl.add')`),
	)
	for _, c := range []struct{ class, mark, text string }{
		{"del", "−", "Please choose a new password."},
		{"add", "+", "Please pick a new password now."},
	} {
		got := eval[string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#diff .dl.%s')].map(d => d.querySelector('.mark').textContent + '|' + d.textContent).join('\n')`, c.class))
		if !strings.Contains(got, c.mark+"|") || !strings.Contains(got, c.text) {
			t.Errorf("diff %s lines:\n%s\nwant the %q line marked %q", c.class, got, c.text, c.mark)
		}
	}

	// The greeting, reworded and tried in the sandbox before publishing.
	openEditor(t, ctx, srv.URL, "greeting")
	replaceText(t, ctx, "source", "", "Hello! I can help", "Good day! I can help")
	do(t, ctx,
		checked,
		chromedp.Click("#tab-sandbox"),
		chromedp.Click("#sandbox-start"),
		consoleUntil(`[...document.querySelectorAll('#sandbox-log li.from-bot')].some(li => li.textContent.includes('Good day! I can help'))`),
		consoleUntil(`document.querySelector('#sandbox-replies button[data-value="forgot_username"]')`),
	)
	if state := eval[string](t, ctx, `document.getElementById('sandbox-state').textContent`); state != "greeting.welcome" {
		t.Errorf("the sandbox is at %q, want greeting.welcome", state)
	}
	do(t, ctx,
		chromedp.Click(`#sandbox-replies button[data-value="forgot_username"]`),
		consoleUntil(`document.getElementById('sandbox-state').textContent !== 'greeting.welcome'`),
	)
	runTestsAndPublish(t, ctx, 2)

	// A new chat in the widget greets with the new words.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`button[data-portico-open=""]`),
		botSays("Good day! I can help you with your patient portal account."),
	)
}

// seedConversations runs a few chats over the patient socket: one asks
// for a person, one resets a password to the end, one stops at the start
// of forgot_username.
func seedConversations(t *testing.T, srv *server) {
	t.Helper()
	p := dial(t, srv.URL)
	p.hello("", 0, "en", "")
	p.say("reply:agent")

	p = dial(t, srv.URL)
	p.hello("", 0, "en", "reset_password")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139", "reply:email"} {
		p.say(s)
	}
	p.say(srv.code(t))
	wantStatus(t, p.say("tulip harbor seven lanterns"), "closed", "resolved")

	p = dial(t, srv.URL)
	p.hello("", 0, "en", "forgot_username")
}

// TestAdminDashboard seeds three chats (two answered) and reads the dashboard:
// the key numbers, every chart with its table, and the CSV links.
func TestAdminDashboard(t *testing.T) {
	srv := runServer(t, nil)
	seedConversations(t, srv)
	ctx := browser(t)
	adminSignIn(t, ctx, srv.URL)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/analytics"),
		consoleUntil(`document.getElementById('charts').dataset.state === 'ready'`),
	)
	// The third chat was opened into forgot_username and never answered: a
	// greeting nobody answered is not a conversation (docs/analytics.md).
	for key, want := range map[string]string{"conversations": "2", "containment": "50.0 %", "handoff_rate": "50.0 %"} {
		if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#numbers [data-key=%q] .big').textContent`, key)); got != want {
			t.Errorf("dashboard %s: got %q, want %q", key, got, want)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector('#numbers [data-key="conversations"]').textContent`); !strings.Contains(got, "1 greeting nobody answered") {
		t.Errorf("conversations reads %q, want the unanswered greeting mentioned", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('#numbers [data-key="resolution"]').textContent`); !strings.Contains(got, "median") || !strings.Contains(got, "p90") || !strings.Contains(got, "over 1 conversation") {
		t.Errorf("time to resolution reads %q, want a median and a p90 over 1 conversation", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#charts figure svg[role="img"]').length`); n != 7 {
		t.Errorf("got %d charts, want 7", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#charts figure table').length`); n != 7 {
		t.Errorf("got %d tables of numbers, want one per chart (7)", n)
	}
	links := eval[[]string](t, ctx, `[...document.querySelectorAll('#csv a')].map(a => a.getAttribute('href'))`)
	if len(links) != 8 || !strings.HasPrefix(links[0], "/admin/analytics/summary.csv?from=") ||
		!strings.HasPrefix(links[7], "/admin/analytics/handoff_outcomes.csv?from=") {
		t.Errorf("CSV links %v, want 8 from summary.csv to handoff_outcomes.csv, with the query", links)
	}
	adminShot(t, ctx, "dashboard")

	// The flows list links every flow to its editor.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin"),
		consoleUntil(`document.getElementById('flows-table').getAttribute('aria-busy') === 'false'`),
	)
	if got := eval[string](t, ctx, `document.querySelector('#flows tr[data-flow="reset_password"]')?.textContent || ''`); !strings.Contains(got, "v1") {
		t.Errorf("the flows list shows reset_password as %q, want v1", got)
	}
	if href := eval[string](t, ctx, `document.querySelector('#flows tr[data-flow="greeting"] a')?.getAttribute('href') || ''`); href != "/admin/flows/greeting" {
		t.Errorf("greeting links to %q, want its editor", href)
	}

	// API tokens: created and shown once, listed without the value, revoked
	// after a confirmation.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/tokens"),
		chromedp.WaitVisible("#token-name"),
		chromedp.SendKeys("#token-name", "CI on main"),
		chromedp.Click(`input[name="scope"][value="flows:write"]`),
		chromedp.Click(`#create-token button[type="submit"]`),
		consoleUntil(`!document.getElementById('new-token').hidden && document.querySelectorAll('#tokens tr').length === 1`),
	)
	token := eval[string](t, ctx, `document.getElementById('new-token-value').value`)
	if !strings.HasPrefix(token, "portico_") {
		t.Errorf("the new token reads %q, want portico_…", token)
	}
	if row := eval[string](t, ctx, `document.querySelector('#tokens tr').textContent`); strings.Contains(row, token) || !strings.Contains(row, "flows:write") {
		t.Errorf("the token's row reads %q: want its scope and never its value", row)
	}
	do(t, ctx,
		chromedp.Click(`#tokens tr button.danger`),
		chromedp.WaitVisible("#confirm-ok"),
		chromedp.Click("#confirm-ok"),
		consoleUntil(`document.querySelector('#tokens tr.revoked')`),
	)
}

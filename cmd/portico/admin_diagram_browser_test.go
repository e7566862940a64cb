package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Legibility and layout of the editor's diagram and test results and of
// the dashboard's charts, measured in the browser at 1280×800.

// minDiagramTextPx is the smallest diagram text, in CSS pixels, the
// editor may show at first.
const minDiagramTextPx = 12

// diagramText is the smallest diagram text in CSS pixels at the current
// zoom: its font size times the drawn width over the viewBox width.
const diagramText = `(() => {
  const svg = document.querySelector('#diagram svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return Math.min(...[...svg.querySelectorAll('text')].map(t => Number(t.getAttribute('font-size')) * scale));
})()`

// diagramClipped lists what of the diagram is cut off: a state's text
// outside its shape, or a state outside the drawing.
const diagramClipped = `(() => {
  const svg = document.querySelector('#diagram svg');
  const all = svg.getBoundingClientRect();
  const inside = (a, b, tol) => a.left >= b.left - tol && a.right <= b.right + tol && a.top >= b.top - tol && a.bottom <= b.bottom + tol;
  const union = rs => rs.reduce((a, r) => ({ left: Math.min(a.left, r.left), right: Math.max(a.right, r.right), top: Math.min(a.top, r.top), bottom: Math.max(a.bottom, r.bottom) }));
  const out = [];
  for (const g of svg.querySelectorAll('g[data-state]')) {
    const shape = union([...g.querySelectorAll('polygon, ellipse, path')].map(s => s.getBoundingClientRect()));
    for (const t of g.querySelectorAll('text')) {
      if (!inside(t.getBoundingClientRect(), shape, 1)) out.push(g.dataset.state + ': "' + t.textContent + '" sticks out of its shape');
    }
    if (!inside(shape, all, 0)) out.push(g.dataset.state + ': outside the drawing');
  }
  return out;
})()`

// diagramOutOfBox lists the states not fully inside the diagram's box.
const diagramOutOfBox = `(() => {
  const box = document.getElementById('diagram');
  const r = box.getBoundingClientRect();
  const view = { left: r.left + box.clientLeft, top: r.top + box.clientTop };
  view.right = view.left + box.clientWidth; view.bottom = view.top + box.clientHeight;
  return [...box.querySelectorAll('g[data-state]')].filter(g => { const s = g.getBoundingClientRect();
    return s.left < view.left - 0.5 || s.right > view.right + 0.5 || s.top < view.top - 0.5 || s.bottom > view.bottom + 0.5; }).map(g => g.dataset.state);
})()`

func zoomOf(t *testing.T, ctx context.Context) int {
	t.Helper()
	n, err := strconv.Atoi(eval[string](t, ctx, `document.getElementById('diagram').dataset.zoom || '0'`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDiagramIsLegibleZoomsAndPans opens every built-in flow's diagram:
// its text is legible and nothing is cut off; the view zooms and pans
// with the buttons, the keyboard and a drag, and Fit shows it all.
func TestDiagramIsLegibleZoomsAndPans(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	adminSignIn(t, ctx, srv.URL)
	shown := consoleUntil(`document.querySelector('#diagram svg') && document.getElementById('diagram').dataset.zoom`)
	for _, flow := range []string{"reset_password", "activate_account", "verify_attempt", "greeting", "verify_identity", "forgot_username", "leave_message", "rate_chat"} {
		openEditor(t, ctx, srv.URL, flow)
		do(t, ctx, shown)
		if px := eval[float64](t, ctx, diagramText); px < minDiagramTextPx-0.01 {
			t.Errorf("%s: the smallest diagram text is %.1f px, want at least %d", flow, px, minDiagramTextPx)
		}
		if cut := eval[[]string](t, ctx, diagramClipped); len(cut) > 0 {
			t.Errorf("%s: cut off: %q", flow, cut)
		}
	}

	openEditor(t, ctx, srv.URL, "reset_password")
	do(t, ctx, shown)
	axeCheckIn(t, ctx, axeScript(t), "#panel-diagram", "the diagram panel")

	// Keys, with the focus in the diagram: + and − zoom, 0 is actual
	// size, the arrows move the view.
	do(t, ctx, chromedp.Focus("#diagram"))
	first := zoomOf(t, ctx)
	do(t, ctx, chromedp.KeyEvent("+"))
	if z := zoomOf(t, ctx); z <= first {
		t.Errorf("+ zoomed from %d %% to %d %%, want larger", first, z)
	}
	do(t, ctx, chromedp.KeyEvent("-"), chromedp.KeyEvent("-"))
	if z := zoomOf(t, ctx); z >= first {
		t.Errorf("− twice zoomed to %d %%, want below %d %%", z, first)
	}
	do(t, ctx, chromedp.KeyEvent("0"))
	if z := zoomOf(t, ctx); z != 100 {
		t.Errorf("0 zoomed to %d %%, want 100 %%", z)
	}
	if got := eval[string](t, ctx, `document.getElementById('zoom-level').textContent`); got != "100 %" {
		t.Errorf("the zoom level reads %q, want 100 %%", got)
	}
	scroll := `(() => { const b = document.getElementById('diagram'); return [b.scrollLeft, b.scrollTop]; })()`
	before := eval[[]float64](t, ctx, scroll)
	do(t, ctx, chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowDown))
	after := eval[[]float64](t, ctx, scroll)
	if after[0] <= before[0] || after[1] <= before[1] {
		t.Errorf("the arrow keys moved the view from %v to %v, want right and down", before, after)
	}

	// A drag moves the view the other way, and is not a click on a state.
	caret := eval[string](t, ctx, caretLine)
	r := eval[[]float64](t, ctx, `(() => { const r = document.getElementById('diagram').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	before = eval[[]float64](t, ctx, scroll)
	drag(t, ctx, r[0], r[1], r[0]+60, r[1]+40)
	after = eval[[]float64](t, ctx, scroll)
	if before[0]-after[0] < 55 || before[1]-after[1] < 35 {
		t.Errorf("a drag by (60, 40) moved the view from %v to %v, want it back by as much", before, after)
	}
	if got := eval[string](t, ctx, caretLine); got != caret {
		t.Errorf("the drag jumped in the editor (caret %q, was %q)", got, caret)
	}

	// The buttons: zoom in, then Fit shows every state in the box.
	do(t, ctx, chromedp.Click("#zoom-actual"), chromedp.Click("#zoom-in"))
	if z := zoomOf(t, ctx); z <= 100 {
		t.Errorf("Zoom in from 100 %% gave %d %%", z)
	}
	do(t, ctx, chromedp.Click("#zoom-fit"))
	if out := eval[[]string](t, ctx, diagramOutOfBox); len(out) > 0 {
		t.Errorf("after Fit these states are not in view: %q", out)
	}

	// In the full window, at first sight, the whole flow shows, legibly;
	// Esc leaves it.
	openEditor(t, ctx, srv.URL, "reset_password")
	do(t, ctx, shown, chromedp.Click("#diagram-expand"),
		consoleUntil(`document.getElementById('panel-diagram').classList.contains('expanded')`))
	if out := eval[[]string](t, ctx, diagramOutOfBox); len(out) > 0 {
		t.Errorf("in the full window these states are not in view: %q", out)
	}
	if px := eval[float64](t, ctx, diagramText); px < minDiagramTextPx-0.01 {
		t.Errorf("in the full window the smallest diagram text is %.1f px, want at least %d", px, minDiagramTextPx)
	}
	adminShot(t, ctx, "diagram-full")
	for i := range 12 { // Tab stays in what the window shows (or leaves for the browser's own controls)
		do(t, ctx, chromedp.KeyEvent("\t"))
		if in := eval[bool](t, ctx, `document.activeElement === document.body || !!document.activeElement.closest('#panel-diagram')`); !in {
			t.Fatalf("in the full window, Tab %d moved the focus out of the diagram, to %s", i+1, eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 80)`))
		}
	}
	do(t, ctx, chromedp.KeyEvent(kb.Escape),
		consoleUntil(`!document.getElementById('panel-diagram').classList.contains('expanded')`))
	if got := eval[string](t, ctx, `document.getElementById('diagram-expand').getAttribute('aria-pressed')`); got != "false" {
		t.Errorf("after Esc the Full window button is pressed=%q, want false", got)
	}
}

// drag presses the left button at (x0, y0), moves to (x1, y1) in steps
// and releases it there.
func drag(t *testing.T, ctx context.Context, x0, y0, x1, y1 float64) {
	t.Helper()
	events := []input.DispatchMouseEventParams{{Type: input.DispatchMouseEventTypeMousePressed, X: x0, Y: y0, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}}
	for i := 1; i <= 5; i++ {
		f := float64(i) / 5
		events = append(events, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: x0 + (x1-x0)*f, Y: y0 + (y1-y0)*f, Button: input.MouseButtonLeft, Buttons: 1})
	}
	events = append(events, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: x1, Y: y1, Button: input.MouseButtonLeft, ClickCount: 1})
	for _, e := range events {
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTestResultsLineUp runs reset_password's tests: every row's
// verdict, name and line start (or end) at the same place, however the
// names wrap.
func TestTestResultsLineUp(t *testing.T) {
	ctx := browser(t)
	srv := runServer(t, nil)
	adminSignIn(t, ctx, srv.URL)
	openEditor(t, ctx, srv.URL, "reset_password")
	do(t, ctx,
		chromedp.Click("#run-tests"),
		consoleUntil(`document.getElementById('tests-summary').dataset.state === 'passed'`),
	)
	cols := eval[map[string][]float64](t, ctx, `(() => {
	  const rows = [...document.querySelectorAll('#test-results > li')];
	  const textLeft = el => { const r = document.createRange(); r.selectNodeContents(el); return Math.round(r.getClientRects()[0].left); };
	  return {
	    verdict: rows.map(li => textLeft(li.querySelector('.verdict'))),
	    name: rows.map(li => textLeft(li.querySelector('.test-name'))),
	    line: rows.map(li => Math.round(li.querySelector('.test-line').getBoundingClientRect().right)),
	    lines: rows.map(li => li.querySelector('.test-name').getClientRects().length),
	  };
	})()`)
	axeCheckIn(t, ctx, axeScript(t), "#panel-results", "the test results")
	if len(cols["verdict"]) < 10 {
		t.Fatalf("got %d test rows, want reset_password's tests", len(cols["verdict"]))
	}
	for _, col := range []string{"verdict", "name", "line"} {
		for i, x := range cols[col] {
			if x != cols[col][0] {
				t.Errorf("row %d: its %s is at x=%v, row 1's at %v; want one column", i+1, col, x, cols[col][0])
			}
		}
	}
	wrapped := eval[int](t, ctx, `[...document.querySelectorAll('#test-results .test-name')].filter(b => b.getBoundingClientRect().height > 30).length`)
	if wrapped == 0 {
		t.Log("no test name wraps at this width; the alignment of wrapped names is not exercised")
	}
}

// TestChartLabelsDoNotOverlapAndAxesNameTheirUnit: on the dashboard, no
// two axis labels of a chart overlap, and the value axes say what they
// count; the durations chart groups its bars by measure.
func TestChartLabelsDoNotOverlapAndAxesNameTheirUnit(t *testing.T) {
	srv := runServer(t, nil)
	seedConversations(t, srv)
	ctx := browser(t)
	adminSignIn(t, ctx, srv.URL)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/admin/analytics"),
		consoleUntil(`document.getElementById('charts').dataset.state === 'ready'`),
	)
	overlaps := eval[[]string](t, ctx, `(() => {
	  const out = [];
	  for (const fig of document.querySelectorAll('#charts figure')) {
	    const labels = [...fig.querySelectorAll('svg text.label')].map(t => ({ t: t.textContent, r: t.getBoundingClientRect() }));
	    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
	      const a = labels[i].r, b = labels[j].r;
	      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) out.push(fig.id + ': "' + labels[i].t + '" and "' + labels[j].t + '"');
	    }
	  }
	  return out;
	})()`)
	if len(overlaps) > 0 {
		t.Errorf("axis labels overlap: %q", overlaps)
	}
	for fig, want := range map[string]string{
		"figure-daily": "conversations", "figure-trend": "conversations", "figure-handoffs": "handoffs",
		"figure-durations": "milliseconds|seconds", "figure-ratings": "ratings", // the seeded chats take a second or so
	} {
		got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#%s svg text.axis-title')?.textContent || ''`, fig))
		if !slices.Contains(strings.Split(want, "|"), got) {
			t.Errorf("%s: the value axis is titled %q, want %s", fig, got, want)
		}
	}
	got := eval[[]string](t, ctx, `[...document.querySelectorAll('#figure-durations svg text.label, #figure-durations svg text.legend')].map(t => t.textContent)`)
	want := []string{"Time to resolution", "Queue wait", "Agent handle time", "median", "90th percentile"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the durations chart's labels and legend read %q, want %q", got, want)
	}
	do(t, ctx, chromedp.ScrollIntoView("#figure-durations"))
	adminShot(t, ctx, "durations")
}

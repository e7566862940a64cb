package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/portico-chat/portico/connectors/notify"
)

// server is the whole app in-process, which a test can stop and start
// again on the same address and database, as a restart would.
type server struct {
	t    *testing.T
	keys map[string]string
	db   string
	addr string // 127.0.0.1:port once started

	URL  string // http://127.0.0.1:port
	Site string // the cross-origin demo site
	App  *App
	Logs *syncBuffer

	cancel context.CancelFunc
	done   chan error
}

// runServer starts the demo server with the given keys on a random port,
// its cross-origin demo site on another, and stops both at the end.
func runServer(t *testing.T, keys map[string]string) *server {
	t.Helper()
	s := &server{t: t, keys: withStore(t, keys), db: t.TempDir() + "/portico.db", addr: "127.0.0.1:0", Logs: &syncBuffer{}}
	s.start()
	t.Cleanup(func() {
		if s.cancel != nil {
			s.stop()
		}
	})
	return s
}

// start runs the app on s.addr with s.db.
func (s *server) start() {
	s.t.Helper()
	v := newViper(nil)
	v.Set("demo", true)
	v.Set("http.addr", s.addr)
	v.Set("demo_second_addr", "127.0.0.1:0")
	v.Set("storage.sqlite.path", s.db)
	v.Set("log.level", "debug")
	v.Set("log.format", "json")
	for k, val := range s.keys {
		v.Set(k, val)
	}
	cfg, err := loadConfig(v, "")
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	app, err := openApp(ctx, cfg, newLogger(s.Logs, cfg))
	if err != nil {
		cancel()
		s.t.Fatal(err)
	}
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		s.t.Fatal(err)
	}
	s.addr, s.URL, s.Site, s.App = l.Addr().String(), "http://"+l.Addr().String(), app.DemoSite, app
	s.cancel, s.done = cancel, make(chan error, 1)
	go func() { s.done <- app.Run(ctx, l) }()
}

// stop shuts the app down gracefully: sockets close with 1012.
func (s *server) stop() {
	s.t.Helper()
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		s.t.Errorf("server run: %v", err)
	}
}

// restart stops the app and starts a new one on the same address and
// database.
func (s *server) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

// code waits for the dev outbox's next one-time code.
func (s *server) code(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sent, err := s.App.Dev.Wait(ctx, func(m notify.Sent) bool { return sixDigits.MatchString(m.Text) })
	if err != nil {
		logs := s.Logs.String()
		t.Fatalf("no code in the dev outbox: %v\n%s", err, logs[max(0, len(logs)-4000):])
	}
	return sixDigits.FindString(sent.Text)
}

// shadow is the widget's shadow root, in page JavaScript.
const shadow = `document.querySelector('portico-chat')?.shadowRoot`

// until waits, without sleeping, until the page expression cond (which
// may use r, the widget's shadow root) is true. It wakes on DOM mutations:
// the widget mirrors its state on the element's data-* attributes.
func until(cond string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const r = %s; if (!r) return false; return !!(%s); })()`, shadow, cond)
	return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(waitLimit))
}

// asks waits until the bot asks for slot and nothing is left unsent.
func asks(slot string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`r.host.dataset.pending === '0' && !r.querySelector('form').hidden && r.getElementById('input').dataset.slot === %q`, slot))
}

// offers waits until a quick reply with value is on screen.
func offers(value string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`r.host.dataset.pending === '0' && r.querySelector('.replies button[data-value=%q]')`, value))
}

// botSays waits until the last bot message contains text.
func botSays(text string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`(() => { const m = r.querySelectorAll('#log li.from-bot .bubble'); return m.length > 0 && m[m.length-1].textContent.includes(%q); })()`, text))
}

// statusIs waits for the conversation status the widget shows.
func statusIs(status string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`r.host.dataset.status === %q`, status))
}

// choose clicks the quick reply with value.
func choose(value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(offers(value),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`%s.querySelector('.replies button[data-value=%q]').click()`, shadow, value)))
}

// typeIn types text into the widget's field as keystrokes and sends it
// with Enter.
func typeIn(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](shadow+`.getElementById('input').focus()`),
		chromedp.KeyEvent(text+"\r"))
}

// resetToCode opens the widget from the demo portal's "Forgot password?"
// and answers as Olivia, by name, date of birth and ZIP code, up to the
// question for the code sent by email.
func resetToCode(url string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(url+"/"),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		choose("name"), // "My name, date of birth and ZIP code"
		answer("first_name", "Olivia"),
		answer("last_name", "Activeuser"),
		answer("dob", "05/17/1985"),
		answer("zip", "02139"),
		choose("email"),
		asks("otp"),
	)
}

// answer waits for the question for slot, then types the answer.
func answer(slot, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(asks(slot), typeIn(text))
}

// eval runs a page expression and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// await evaluates js, which yields a promise, and decodes what it
// resolves to as T.
func await[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// do runs steps or fails the test.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// focused describes the element with keyboard focus, looking into the
// widget's shadow root: "value|text|id".
const focused = `(() => { let a = document.activeElement; if (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
	return a ? (a.dataset.value || a.dataset.porticoOpen || '') + '|' + (a.textContent || '').trim() + '|' + a.id : ''; })()`

// key presses one key, optionally with Shift.
func key(k string, shift bool) chromedp.Action[chromedp.Void] {
	if shift {
		return chromedp.KeyEvent(k, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	return chromedp.KeyEvent(k)
}

// tabTo presses Tab (or Shift+Tab) until the focused element's
// description starts with want, at most 40 times.
func tabTo(t *testing.T, ctx context.Context, want string, back bool) {
	t.Helper()
	for range 40 {
		if strings.HasPrefix(eval[string](t, ctx, focused), want) {
			return
		}
		do(t, ctx, key("\t", back))
	}
	t.Fatalf("Tab never reached %q; focus is on %q", want, eval[string](t, ctx, focused))
}

// shots is where the tests save screenshots: a git-ignored folder.
func shots(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), ".cache", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// repoRoot is the module's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// axeScript returns axe-core's script, installing the npm package into
// the git-ignored .cache/node on first use. Without npm the test skips,
// except in CI (PORTICO_CI), where it fails.
func axeScript(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), ".cache", "node")
	file := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(file); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			if os.Getenv("PORTICO_CI") != "" {
				t.Fatal("no npm on this machine, and CI must run the accessibility tests (apt-get install npm)")
			}
			t.Skip("no npm on this machine: install it to run the axe-core accessibility tests")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "axe-core@4")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install axe-core@4: %v\n%s", err, out)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

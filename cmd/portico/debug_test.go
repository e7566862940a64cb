package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
)

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDebugStatsInDemoMode(t *testing.T) {
	app := startApp(t, nil)
	p := dial(t, app.URL)
	p.hello("", 0, "en", "")

	code, body := getBody(t, app.URL+"/debug/stats?gc=1")
	if code != http.StatusOK {
		t.Fatalf("/debug/stats: %d %s", code, body)
	}
	var s Stats
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"pid is this process", s.PID == os.Getpid()},
		{"one open patient socket", s.Sockets == 1},
		{"goroutines counted", s.Goroutines > 0},
		{"RSS read from /proc", s.RSSBytes > 0},
		{"the hello's turn was committed", s.DBCommits > 0 && s.DBWrites >= s.DBCommits},
		{"the GC ran", s.GCForced},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, s)
		}
	}
	for _, secret := range []string{"resume", "Olivia", "@"} {
		if strings.Contains(body, secret) {
			t.Errorf("/debug/stats shows %q: %s", secret, body)
		}
	}
}

func TestDebugEndpointsOffByDefault(t *testing.T) {
	app := startApp(t, map[string]string{"demo": "false"})
	if code, _ := getBody(t, app.URL+"/debug/stats"); code != http.StatusNotFound {
		t.Errorf("/debug/stats outside demo mode: %d, want 404", code)
	}
	if code, _ := getBody(t, app.URL+"/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("pprof on the main listener: %d, want 404", code)
	}
}

func TestDebugListenerServesPprof(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // the app binds it (at start-up, before serving); a race with another process is unlikely on loopback
	startApp(t, map[string]string{"debug.addr": addr, "demo": "false"})
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/stats"} {
		code, body := getBody(t, fmt.Sprintf("http://%s%s", addr, path))
		if code != http.StatusOK {
			t.Errorf("debug listener %s: %d %.200s", path, code, body)
		}
	}
}

func TestLoadKeysConfigure(t *testing.T) {
	t.Setenv("PORTICO_HTTP_RATE_FRAMES", "1000")
	t.Setenv("PORTICO_HTTP_RATE_WINDOW", "1s")
	t.Setenv("PORTICO_HTTP_RATE_BURST", "500")
	t.Setenv("PORTICO_NOTIFY_DEV_OUTBOX_CAP", "40000")
	t.Setenv("PORTICO_DEBUG_ADDR", "127.0.0.1:6060")
	cfg, err := loadConfig(newViper(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%d %s %d %d %s", cfg.RateFrames, cfg.RateWindow, cfg.RateBurst, cfg.DevOutboxCap, cfg.DebugAddr)
	if want := "1000 1s 500 40000 127.0.0.1:6060"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}

	bad := []struct{ env, value, key string }{
		{"PORTICO_HTTP_RATE_FRAMES", "0", "http.rate_frames"},
		{"PORTICO_HTTP_RATE_WINDOW", "soon", "http.rate_window"},
		{"PORTICO_HTTP_RATE_BURST", "-1", "http.rate_burst"},
		{"PORTICO_NOTIFY_DEV_OUTBOX_CAP", "2000000", "notify.dev_outbox_cap"},
		{"PORTICO_DEBUG_ADDR", "nonsense", "debug.addr"},
	}
	for _, b := range bad {
		t.Run(b.env, func(t *testing.T) {
			t.Setenv(b.env, b.value)
			_, err := loadConfig(newViper(nil), "")
			if err == nil || !strings.Contains(err.Error(), b.key+":") {
				t.Fatalf("%s=%s: got %v, want an error naming %s", b.env, b.value, err, b.key)
			}
		})
	}
}

func TestDefaultsOfLoadKeys(t *testing.T) {
	cfg, err := loadConfig(newViper(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%d %s %d %d %v", cfg.RateFrames, cfg.RateWindow, cfg.RateBurst, cfg.DevOutboxCap, cfg.DebugAddr == "")
	if want := "20 10s 10 500 true"; got != want {
		t.Errorf("got %s, want %s (the web and notify defaults, debug off)", got, want)
	}
}

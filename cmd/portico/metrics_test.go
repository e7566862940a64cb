package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsListener serves /metrics on metrics.addr and counts a real
// patient's conversation.
func TestMetricsListener(t *testing.T) {
	app := startApp(t, map[string]string{"metrics.addr": "127.0.0.1:0", "node.name": "n1"})
	if app.metricsL == nil {
		t.Fatal("metrics.addr set, but no metrics listener")
	}
	p := dial(t, app.URL)
	p.hello("", 0, "en", "")
	p.say("reply:agent")

	res, err := http.Get("http://" + app.metricsL.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: got %d, want 200", res.StatusCode)
	}
	for _, want := range []string{
		`portico_conversations_opened_total{node="n1"} 1` + "\n",
		`portico_turn_duration_seconds_count{node="n1"} 1` + "\n",
		`portico_conversations_active{node="n1",status="queued"} 1` + "\n",
		`portico_handoffs_total{node="n1",outcome="queued",queue="portal-support",reason="requested"} 1` + "\n",
		`portico_websockets{kind="patient",node="n1"} 1` + "\n",
		`go_goroutines{node="n1"} `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}
	if !strings.Contains(string(body), `portico_http_connections{node="n1"} `) || strings.Contains(string(body), `portico_http_connections{node="n1"} 0`+"\n") {
		t.Errorf("/metrics: want at least the patient's connection counted")
	}
	// The patients' listener does not serve it.
	if res, err := http.Get(app.URL + "/metrics"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Errorf("main listener /metrics: got 200, want it served only on metrics.addr")
		}
	}
}

func TestMetricsAddrNeedsMetricsEnabled(t *testing.T) {
	v := newViper(nil)
	v.Set("metrics.enabled", false)
	v.Set("metrics.addr", "127.0.0.1:0")
	if _, err := loadConfig(v, ""); err == nil || !strings.Contains(err.Error(), "metrics.addr") {
		t.Errorf("metrics.addr without metrics: got %v, want an error naming metrics.addr", err)
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/sqlite"
)

func TestStoredQueuesSeedOnceThenWinOverTheConfig(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := &App{DB: db}
	weekdays, err := bot.ParseHours("America/Chicago", []string{"mon-fri 08:00-18:00"}, []string{"2026-12-25"})
	if err != nil {
		t.Fatal(err)
	}
	config := func() bot.Config {
		c := bot.DefaultConfig()
		c.Queues = map[string]bot.Queue{
			"portal-support": {Name: "portal-support", Priority: 10, Hours: weekdays, Describe: "weekdays"},
			"billing":        {Name: "billing"},
		}
		return c
	}
	first := config()
	if err := a.storedQueues(ctx, &first); err != nil {
		t.Fatal(err)
	}
	specs, err := db.QueueSpecs(ctx)
	if err != nil || len(specs) != 2 || specs[0].Name != "billing" || specs[1].Timezone != "America/Chicago" ||
		strings.Join(specs[1].Hours, ";") != "mon-fri 08:00-18:00" || strings.Join(specs[1].Holidays, ";") != "2026-12-25" {
		t.Fatalf("seeded %+v, %v; want the configuration's two queues", specs, err)
	}
	tuesday9 := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	if q := first.Queues["portal-support"]; !q.Hours.Open(tuesday9) || q.Priority != 10 {
		t.Errorf("first start: %+v, want the configuration's hours", q)
	}

	// An admin closes portal-support on Tuesdays and drops billing.
	_, err = db.EditQueueSpecs(ctx, "admin:a1", func([]bot.QueueSpec) ([]bot.QueueSpec, error) {
		return []bot.QueueSpec{{Name: "portal-support", Priority: 3, Timezone: "America/Chicago", Hours: []string{"wed-fri 08:00-18:00"}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	restarted := config() // the file still says mon-fri and billing
	if err := a.storedQueues(ctx, &restarted); err != nil {
		t.Fatal(err)
	}
	if q := restarted.Queues["portal-support"]; q.Hours.Open(tuesday9) || q.Priority != 3 {
		t.Errorf("after a restart portal-support is %+v, want the admin's hours (closed on Tuesday)", q)
	}
	if _, ok := restarted.Queues["billing"]; ok {
		t.Error("after a restart billing is back, want the database's queues only")
	}
}

var csrfMeta = regexp.MustCompile(`name="portico-csrf" content="([^"]+)"`)

// adminAPI calls the admin API with the session in jar and its CSRF token.
func adminAPI(t *testing.T, base string, jar *cookiejar.Jar, method, path, body string) (int, string) {
	t.Helper()
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/admin/settings/queues")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfMeta.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the queues page (status %d)", resp.StatusCode)
	}
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	req.Header.Set("X-CSRF-Token", string(m[1]))
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(out)
}

func TestAQueueClosedByAnAdminOffersToLeaveAMessageAtOnceAndAfterARestart(t *testing.T) {
	s := runServer(t, nil)
	jar := signInAgent(t, s.URL, demoAdminEmail, demoAdminPassword)
	// Closed all day today wherever "today" falls, whatever the hour.
	now := time.Now().UTC()
	days := []string{now.AddDate(0, 0, -1).Format(time.DateOnly), now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)}
	body, _ := json.Marshal(map[string]any{"timezone": "UTC", "holidays": days, "describe": "Closed for the test"})
	if status, out := adminAPI(t, s.URL, jar, "PUT", "/admin/api/queues/portal-support", string(body)); status != http.StatusOK {
		t.Fatalf("close the queue: %d %s", status, out)
	}

	askForAPerson := func(when string) {
		t.Helper()
		p := dial(t, s.URL)
		p.hello("", 0, "en", "")
		said := strings.Join(texts(p.say("I need a human")), "\n")
		if !strings.Contains(said, "Closed for the test") || !strings.Contains(said, "leave a message") {
			t.Errorf("%s the patient was told %q, want the closed queue's hours and the offer to leave a message", when, said)
		}
	}
	askForAPerson("without a restart")

	s.restart()
	askForAPerson("after a restart")
	if status, out := adminAPI(t, s.URL, jar, "GET", "/admin/api/queues", ""); status != http.StatusOK || !strings.Contains(out, days[1]) {
		t.Errorf("queues after a restart: %d %s, want the admin's holidays", status, out)
	}
}

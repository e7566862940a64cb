package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHandoffQueuesFromTheConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "portico.yaml")
	os.WriteFile(file, []byte(`handoff:
  timeout: 3m
  queues:
    - name: portal-support
      priority: 10
      timezone: America/Chicago
      hours: ["mon-fri 08:00-18:00"]
      holidays: ["2026-12-25"]
      describe: Monday to Friday, 8 am to 6 pm
    - name: billing
      priority: 5
`), 0o600)
	cfg, err := loadConfig(newViper(nil), file)
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.Handoff
	if h.Timeout != 3*time.Minute || h.Capacity != 3 || !h.AutoAssign || h.DefaultQueue != "portal-support" {
		t.Errorf("settings %+v, want timeout 3m, capacity 3, auto-assign, default queue portal-support", h)
	}
	support, billing := h.Queues["portal-support"], h.Queues["billing"]
	if support.Priority != 10 || billing.Priority != 5 {
		t.Errorf("priorities %d and %d, want 10 and 5", support.Priority, billing.Priority)
	}
	// Tuesday 2026-12-01 at 9:00 in Chicago is open; Christmas is not.
	chicago, _ := time.LoadLocation("America/Chicago")
	if !support.Hours.Open(time.Date(2026, 12, 1, 9, 0, 0, 0, chicago)) {
		t.Error("portal-support closed on a Tuesday at 9:00")
	}
	if support.Hours.Open(time.Date(2026, 12, 25, 9, 0, 0, 0, chicago)) {
		t.Error("portal-support open on a holiday")
	}
	if !billing.Hours.Open(time.Date(2026, 12, 25, 3, 0, 0, 0, time.UTC)) {
		t.Error("a queue without hours is closed")
	}
}

func TestHandoffBadQueuesNameTheEntry(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"    - priority: 1\n", "handoff.queues[0]: a queue needs a name"},
		{"    - name: a\n      hours: [\"someday 08:00-10:00\"]\n", "handoff.queues[0]"},
		{"    - name: a\n      timezone: Mars/Olympus\n", "handoff.queues[0]"},
		{"    - name: a\n    - name: a\n", "listed twice"},
	}
	for _, c := range cases {
		file := filepath.Join(t.TempDir(), "portico.yaml")
		os.WriteFile(file, []byte("handoff:\n  queues:\n"+c.yaml), 0o600)
		_, err := loadConfig(newViper(nil), file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error containing %q", c.yaml, err, c.want)
		}
	}
}

func TestCapacityOverrideSetting(t *testing.T) {
	cases := []struct{ value, want, wantErr string }{
		{"", "none", ""},
		{"admins", "admins", ""},
		{"Everyone", "everyone", ""},
		{"supervisors", "", `handoff.capacity_override: "supervisors" is not one of none, admins, everyone`},
	}
	for _, c := range cases {
		v := newViper(nil)
		if c.value != "" {
			v.Set("handoff.capacity_override", c.value)
		}
		cfg, err := loadConfig(v, "")
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: got %v, want an error containing %q", c.value, err, c.wantErr)
			}
		case err != nil:
			t.Errorf("%q: %v", c.value, err)
		case cfg.Handoff.CapacityOverride != c.want:
			t.Errorf("%q: got %q, want %q", c.value, cfg.Handoff.CapacityOverride, c.want)
		}
	}
}

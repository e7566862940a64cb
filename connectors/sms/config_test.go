package sms_test

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
)

func TestNewHandlerRefusesUnsafeConfig(t *testing.T) {
	store := smstest.NewMemory()
	good := func() sms.Config {
		return sms.Config{PublicURL: "https://portal.example", AuthToken: "tok", Numbers: []string{"+1 (312) 555-0000"}}
	}
	tests := []struct {
		name   string
		change func(*sms.Config)
		ok     bool
	}{
		{"good", func(*sms.Config) {}, true},
		{"http to loopback for development", func(c *sms.Config) { c.PublicURL = "http://localhost:8080" }, true},
		{"no public URL", func(c *sms.Config) { c.PublicURL = "" }, false},
		{"relative public URL", func(c *sms.Config) { c.PublicURL = "/chat" }, false},
		{"plain http", func(c *sms.Config) { c.PublicURL = "http://portal.example" }, false},
		{"query in the public URL", func(c *sms.Config) { c.PublicURL = "https://portal.example/?a=1" }, false},
		{"credentials in the public URL", func(c *sms.Config) { c.PublicURL = "https://u:p@portal.example" }, false},
		{"no auth token", func(c *sms.Config) { c.AuthToken = "" }, false},
		{"no numbers", func(c *sms.Config) { c.Numbers = nil }, false},
		{"number without +", func(c *sms.Config) { c.Numbers = []string{"3125550000"} }, false},
		{"number too short", func(c *sms.Config) { c.Numbers = []string{"+1312"} }, false},
		{"shared key without secret", func(c *sms.Config) { c.SharedKeys = map[string]string{"KS1": ""} }, false},
		{"negative limit", func(c *sms.Config) { c.RateLimit = sms.RateLimit{PerSender: sms.Limit{Count: -1}} }, false},
		{"limit without window", func(c *sms.Config) { c.RateLimit = sms.RateLimit{PerSender: sms.Limit{Count: 5}} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.change(&c)
			_, err := sms.NewHandler(c, &inbox{}, store, store, zerolog.Nop())
			if (err == nil) != tt.ok {
				t.Fatalf("NewHandler error = %v, want ok %v", err, tt.ok)
			}
			if err != nil && bot.ErrorCode(err) != bot.EINVALID {
				t.Errorf("error code %q, want %q", bot.ErrorCode(err), bot.EINVALID)
			}
		})
	}
}

func TestWebhookURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"https://portal.example", "https://portal.example/sms/inbound"},
		{"https://portal.example/", "https://portal.example/sms/inbound"},
		{" https://portal.example/chat/ ", "https://portal.example/chat/sms/inbound"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/sms/inbound"},
	}
	for _, tt := range tests {
		got, err := sms.WebhookURL(tt.base)
		if err != nil || got != tt.want {
			t.Errorf("WebhookURL(%q) = %q, %v; want %q", tt.base, got, err, tt.want)
		}
	}
}

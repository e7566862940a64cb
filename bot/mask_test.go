package bot_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/portico-chat/portico/bot"
)

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jane.doe@example.org", "j•••@example.org"},
		{"olivia.active@example.org", "o•••@example.org"},
		{"a@example.com", "a•••@example.com"},
		{"José.n@example.com", "J•••@example.com"},
		{"élodie@example.fr", "é•••@example.fr"},
		{"odd@local@example.org", "o•••@example.org"},
		{"@example.org", ""},
		{"no-at-sign", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := bot.MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+13125550123", "(•••) •••-0123"},
		{"(617) 555-0111", "(•••) •••-0111"},
		{"+1 212-555-0102", "(•••) •••-0102"},
		{"1234", "(•••) •••-1234"},
		{"123", ""},
		{"no digits", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := bot.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeLocale(t *testing.T) {
	tests := []struct{ in, want string }{
		{"es", bot.Spanish},
		{"es-MX", bot.Spanish},
		{"es-419", bot.Spanish},
		{"es_US", bot.Spanish},
		{"ES", bot.Spanish},
		{"Es-es", bot.Spanish},
		{"eS-mx", bot.Spanish}, // BCP 47 tags are case-insensitive
		{"en", bot.English},
		{"en-US", bot.English},
		{"fr-CA", bot.English},
		{"esu", bot.English}, // Central Yupik, not Spanish
		{"e", bot.English},
		{"", bot.English},
	}
	for _, tt := range tests {
		if got := bot.NormalizeLocale(tt.in); got != tt.want {
			t.Errorf("NormalizeLocale(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSpanishConversationSpeaksSpanish(t *testing.T) {
	h := newHarness(t)
	rec := &recorder{}
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "es-MX", Source: testIP}, rec); err != nil {
		t.Fatal(err)
	}
	msgs := messagesOf(rec.All())
	if len(msgs) == 0 || !bytes.Contains([]byte(msgs[0].Text), []byte("¡Hola!")) {
		t.Errorf("greeting %+v, want it in Spanish", msgs)
	}
}

func TestHashToken(t *testing.T) {
	a, b := bot.HashToken("token-a"), bot.HashToken("token-b")
	if len(a) != 32 {
		t.Errorf("hash is %d bytes, want 32", len(a))
	}
	if bytes.Equal(a, b) || !bytes.Equal(a, bot.HashToken("token-a")) {
		t.Errorf("HashToken is not a function of its input")
	}
	if bytes.Contains(a, []byte("token-a")) {
		t.Errorf("hash holds the token")
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	domain := bot.Errorf(bot.ELOCKED, "wait %d minutes", 5)
	tests := []struct {
		err             error
		wantCode, wantM string
	}{
		{nil, "", "Something went wrong on our side."},
		{domain, bot.ELOCKED, "wait 5 minutes"},
		{fmt.Errorf("check: %w", domain), bot.ELOCKED, "wait 5 minutes"},
		{errors.New("disk full at /var/lib/portico"), bot.EINTERNAL, "Something went wrong on our side."},
	}
	for _, tt := range tests {
		if got := bot.ErrorCode(tt.err); got != tt.wantCode {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.wantCode)
		}
		if got := bot.ErrorMessage(tt.err); got != tt.wantM {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.wantM)
		}
	}
	if got := domain.Error(); got != "locked: wait 5 minutes" {
		t.Errorf("Error() = %q, want %q", got, "locked: wait 5 minutes")
	}
}

package web

import (
	"encoding/json"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "My date of birth is 03/14/1980.", "My date of birth is 03/14/1980."},
		{"newlines kept", "line one\nline two", "line one\nline two"},
		{"CR LF and lone CR", "one\r\ntwo\rthree", "one\ntwo\nthree"},
		{"tab", "a\tb", "a b"},
		{"NUL and other C0", "a\x00b\x07c\x1bd", "abcd"},
		{"DEL and C1", "a\x7fb\u0085c\u009bd", "abcd"},
		{"right-to-left override", "visit \u202elpmaxe.live\u202c now", "visit lpmaxe.live now"},
		{"isolates and marks", "\u2066a\u2069\u2067b\u2069\u2068c\u2069\u200ed\u200f\u061c", "abcd"},
		{"embeddings", "\u202aa\u202bb\u202c", "ab"},
		{"line separators", "a\u2028b\u2029c", "a\nb\nc"},
		{"BOM", "\ufeffhello", "hello"},
		{"accents, scripts and emoji untouched", "José Núñez — שלום مرحبا 👩🏽‍⚕️", "José Núñez — שלום مرحبا 👩🏽‍⚕️"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanText(tt.in)
			if got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := cleanText(got); again != got {
				t.Errorf("cleanText is not idempotent: %q, then %q", got, again)
			}
		})
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "a\r\n", "\r\r\n", "\u202e\u2066x", "\x00\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cleanText(s)
		if cleanText(got) != got {
			t.Errorf("not idempotent on %q: %q", s, got)
		}
		if needsCleaning(got) {
			t.Errorf("cleanText(%q) = %q still needs cleaning", s, got)
		}
	})
}

// TestSayTextIsCleanedAtTheEdge: the engine (and so the transcript, the
// agent and the replay) never gets a control or bidirectional character a
// patient sent.
func TestSayTextIsCleanedAtTheEdge(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, nil, nil)
	ws := ts.dial(t)
	hello(t, ws)
	b, _ := json.Marshal(map[string]any{"type": "say", "id": "s1", "text": "pay \u202eevil\u202c\x00 ok\r\nthanks"})
	send(t, ws, string(b))
	expectType(t, ws, "ack")
	echo := expectType(t, ws, "msg")
	if got, want := echo["text"], "pay evil ok\nthanks"; got != want {
		t.Errorf("the patient's message as stored and echoed: %q, want %q", got, want)
	}
}

package bottest

import (
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Start is when a kit clock starts: a fixed day, so that dates, expiries
// and windows are the same in every run.
var Start = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// NewClock returns a clock stopped at Start; move it with Advance or Set.
func NewClock() *bot.ManualClock { return bot.NewManualClock(Start) }

// WantCode fails the test unless err carries the bot error code (and
// message, when message is not "").
func WantCode(t testing.TB, err error, code, message string) {
	t.Helper()
	if got := bot.ErrorCode(err); got != code {
		t.Fatalf("error %v: got code %q, want %q", err, got, code)
	}
	if message != "" {
		if got := bot.ErrorMessage(err); got != message {
			t.Fatalf("error %v: got message %q, want %q", err, got, message)
		}
	}
}

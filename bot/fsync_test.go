package bot_test

import (
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/sqlite"
)

// Every turn of a verification dialog waits for exactly one fsync, its
// Commit's, however many writes it makes before (attempt reservations and
// releases, a consumed code, a code try, the new password): those commit
// without waiting, and the turn's fsync covers them (bot.WithTurnSync).
func TestTurnWaitsForOneFsync(t *testing.T) {
	h := newHarnessWith(t, func(l *bot.Limits) { l.NewConversations = 100 }, nil)
	db := h.env.DB
	before := db.Stats()
	c := h.open("reset_password") // the address's reservation, the conversation, its first turn
	d := delta(before, db.Stats())
	t.Logf("%-28s %d writes in %d transactions, %d fsyncs, %d waited for one", "hello", d.Writes, d.Commits, d.Syncs, d.Durable)
	if d.Durable != 1 || d.Writes < 3 {
		t.Errorf("hello: %d writes, %d waited for an fsync; want at least 3 and 1", d.Writes, d.Durable)
	}
	turns := []struct {
		name      string
		run       func()
		minWrites int64 // the turn's writes before its commit, plus the commit
	}{
		{"name", func() { c.reply("name") }, 1},
		{"first name", func() { c.say(olivia.First) }, 1},
		{"last name", func() { c.say(olivia.Last) }, 1},
		{"date of birth", func() { c.say(olivia.DOB) }, 1},
		{"ZIP (demographics checked)", func() { c.say(olivia.ZIP) }, 1},
		{"email (code sent)", func() { c.reply("email") }, 2},
		{"wrong code", func() { c.say(c.wrongCode()) }, 3},
		{"right code", func() { c.say(c.code()) }, 3},
		{"new password", func() { c.say("a brand new passphrase 93!") }, 2},
	}
	for _, tt := range turns {
		before := db.Stats()
		tt.run()
		d := delta(before, db.Stats())
		t.Logf("%-28s %d writes in %d transactions, %d fsyncs, %d waited for one", tt.name, d.Writes, d.Commits, d.Syncs, d.Durable)
		if d.Durable != 1 {
			t.Errorf("%s: %d writes waited for an fsync, want 1 (the turn's commit)", tt.name, d.Durable)
		}
		if d.Writes < tt.minWrites {
			t.Errorf("%s: %d writes, want at least %d (the test no longer covers the writes before a commit)", tt.name, d.Writes, tt.minWrites)
		}
		if d.Syncs < 1 {
			t.Errorf("%s: no fsync", tt.name)
		}
	}
	if got := c.state(); got == "reset_password.ask_password" || got == "" {
		t.Errorf("state %q after the new password, want the flow past it", got)
	}
}

func delta(a, b sqlite.WriteStats) sqlite.WriteStats {
	return sqlite.WriteStats{Commits: b.Commits - a.Commits, Writes: b.Writes - a.Writes,
		Syncs: b.Syncs - a.Syncs, Durable: b.Durable - a.Durable}
}

package local

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
	"github.com/portico-chat/portico/bot/password"
)

// fixture is a directory over the kit's fixture records.
type fixture struct {
	dir     *Local
	records *bottest.Records
	clock   *bot.ManualClock
	code    string // Ana's activation code, in clear
}

// Passwords that pass the default policy for every fixture patient.
const (
	goodPassword  = bottest.GoodPassword
	otherPassword = bottest.OtherPassword
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := bottest.NewFixture(t)
	return &fixture{dir: New(f.Records, password.Policy{}, f.Clock, zerolog.Nop()), records: f.Records, clock: f.Clock, code: f.Code}
}

// wantCode fails the test unless err carries code (and message, when not "").
var wantCode = bottest.WantCode

// TestFixtureLockedAtTheLimit: the kit's locked account failed exactly
// this directory's limit.
func TestFixtureLockedAtTheLimit(t *testing.T) {
	if bottest.MaxFailedSignIns != MaxFailedSignIns {
		t.Errorf("bottest.MaxFailedSignIns %d, want MaxFailedSignIns %d", bottest.MaxFailedSignIns, MaxFailedSignIns)
	}
}

package patients_test

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/flows"
)

// fixture is a registry over the kit's fixture records.
type fixture struct {
	reg     *patients.Registry
	records *bottest.Records
	clock   *bot.ManualClock
	code    string // Ana's activation code, in clear
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := bottest.NewFixture(t)
	return &fixture{reg: patients.NewRegistry(f.Records, patients.Config{}, f.Clock, zerolog.Nop()), records: f.Records, clock: f.Clock, code: f.Code}
}

// emptyFixture is a registry over empty records.
func emptyFixture() *fixture {
	recs := bottest.NewRecords()
	clock := bottest.NewClock()
	return &fixture{reg: patients.NewRegistry(recs, patients.Config{}, clock, zerolog.Nop()), records: recs, clock: clock}
}

// find returns the one record with these names (compared as every
// directory does), date of birth and ZIP, or "".
func (f *fixture) find(t *testing.T, first, last, dob, zip string) string {
	t.Helper()
	ps, err := f.records.PatientsByDOBZIP(context.Background(), dob, zip)
	if err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, p := range ps {
		if flows.FoldName(p.FirstName) == flows.FoldName(first) && flows.FoldName(p.LastName) == flows.FoldName(last) {
			if id != "" {
				return ""
			}
			id = p.RecordID
		}
	}
	return id
}

// opens reports whether code, typed as a patient would, is the record's
// live activation code.
func (f *fixture) opens(t *testing.T, recordID, code string) bool {
	t.Helper()
	cs, err := f.records.ActivationCodes(context.Background(), []string{recordID})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := cs[recordID]
	return ok && f.clock.Now().Before(c.Expires) && bot.ActivationCodeMatches(c.Hash, bot.NormalizeActivationCode(code))
}

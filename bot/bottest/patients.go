package bottest

import (
	"sync"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

// Passwords that pass the default policy for every fixture patient.
const (
	GoodPassword  = "correct horse battery staple"
	OtherPassword = "violet lanterns over harbor"
)

// MaxFailedSignIns is what the fixture's locked account has failed: the
// local directory's limit (connectors/directory/local.MaxFailedSignIns).
const MaxFailedSignIns = 10

// goodHash is GoodPassword's argon2id hash, made once per test binary.
var goodHash = sync.OnceValues(func() (string, error) { return password.Hash(GoodPassword) })

// Fixture is records holding a small set of patients every directory and
// records test knows, on a clock stopped at Start: Ana (pending, with the
// activation code Code), José (active, username jnunez, GoodPassword),
// two twins sharing a date of birth and ZIP (pending), Lou (locked), Dee
// (disabled) and two identical records of Pat Double (pending).
type Fixture struct {
	Records *Records
	Clock   *bot.ManualClock
	Code    string // Ana's activation code, in clear
}

// NewFixture returns a fresh Fixture.
func NewFixture(t testing.TB) *Fixture {
	t.Helper()
	clock := NewClock()
	code, err := bot.NewActivationCode()
	if err != nil {
		t.Fatal(err)
	}
	codeHash, err := bot.HashActivationCode(bot.NormalizeActivationCode(code))
	if err != nil {
		t.Fatal(err)
	}
	pwHash, err := goodHash()
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	recs := NewRecords(
		patients.Patient{RecordID: "r-ana", MRN: "M1", FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139",
			Email: "ana@example.org", Status: bot.AccountPending,
			ActivationHash: codeHash, ActivationExpires: now.Add(patients.DefaultActivationTTL)},
		patients.Patient{RecordID: "r-jose", MRN: "M2", FirstName: "José", LastName: "Núñez", DOB: "1975-06-30", ZIP: "10001",
			Phone: "+12025550101", Username: "jnunez", PasswordHash: pwHash, Status: bot.AccountActive},
		patients.Patient{RecordID: "r-twin1", MRN: "M3", FirstName: "Kim", LastName: "Sample-Twin", DOB: "2001-09-09", ZIP: "60601",
			Status: bot.AccountPending},
		patients.Patient{RecordID: "r-twin2", MRN: "M4", FirstName: "Kai", LastName: "Sample-Twin", DOB: "2001-09-09", ZIP: "60601",
			Status: bot.AccountPending},
		patients.Patient{RecordID: "r-locked", MRN: "M5", FirstName: "Lou", LastName: "Lockwood", DOB: "1990-12-31", ZIP: "94110",
			Username: "lou.lockwood", PasswordHash: pwHash, Status: bot.AccountLocked, FailedSignIns: MaxFailedSignIns},
		patients.Patient{RecordID: "r-off", MRN: "M6", FirstName: "Dee", LastName: "Disabled", DOB: "1966-06-06", ZIP: "73301",
			Username: "dee", PasswordHash: pwHash, Status: bot.AccountDisabled},
		patients.Patient{RecordID: "r-same1", MRN: "M7", FirstName: "Pat", LastName: "Double", DOB: "1950-05-05", ZIP: "30301",
			Status: bot.AccountPending},
		patients.Patient{RecordID: "r-same2", MRN: "M8", FirstName: "Pat", LastName: "Double", DOB: "1950-05-05", ZIP: "30301",
			Status: bot.AccountPending},
	)
	return &Fixture{Records: recs, Clock: clock, Code: code}
}

package portal

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// memRecords is an in-memory Records with the semantics storage/sqlite
// implements: unique MRN, unique case-insensitive username, idempotency
// keys stored with the change, all-or-nothing imports.
type memRecords struct {
	mu       sync.Mutex
	patients map[string]Patient // by record ID
	keys     map[string]string  // idempotency key → record ID
	updates  int                // successful UpdatePatient calls that changed something
}

var _ Records = (*memRecords)(nil)

func newMemRecords(ps ...Patient) *memRecords {
	m := &memRecords{patients: map[string]Patient{}, keys: map[string]string{}}
	for _, p := range ps {
		m.patients[p.RecordID] = p
	}
	return m
}

func (m *memRecords) Patient(_ context.Context, id string) (Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.patients[id]
	if !ok {
		return Patient{}, bot.Errorf(bot.ENOTFOUND, "no record %s", id)
	}
	return p, nil
}

func (m *memRecords) PatientsByDOBZIP(_ context.Context, dob, zip string) ([]Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Patient
	for _, p := range m.sorted() {
		if p.DOB == dob && p.ZIP == zip {
			out = append(out, p)
		}
	}
	return out, nil
}

func (m *memRecords) PatientByUsername(_ context.Context, u string) (Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.patients {
		if p.Username != "" && strings.EqualFold(p.Username, u) {
			return p, nil
		}
	}
	return Patient{}, bot.Errorf(bot.ENOTFOUND, "no username")
}

func (m *memRecords) Patients(context.Context) ([]Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sorted(), nil
}

func (m *memRecords) sorted() []Patient {
	out := make([]Patient, 0, len(m.patients))
	for _, p := range m.patients {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MRN < out[j].MRN })
	return out
}

func (m *memRecords) KeyApplied(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.keys[key]
	return ok, nil
}

func (m *memRecords) UpdatePatient(_ context.Context, id, key string, change func(*Patient) error) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, done := m.keys[key]; key != "" && done {
		return false, nil
	}
	p, ok := m.patients[id]
	if !ok {
		return false, bot.Errorf(bot.ENOTFOUND, "no record %s", id)
	}
	if err := change(&p); err != nil {
		return false, err
	}
	for _, o := range m.patients {
		if o.RecordID != id && p.Username != "" && strings.EqualFold(o.Username, p.Username) {
			return false, &bot.Error{Code: bot.EINVALID, Message: bot.UsernameTaken}
		}
	}
	m.patients[id] = p
	if key != "" {
		m.keys[key] = id
	}
	m.updates++
	return true, nil
}

func (m *memRecords) ImportPatients(_ context.Context, ps []Patient) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := make(map[string]Patient, len(m.patients))
	for id, p := range m.patients {
		next[id] = p
	}
	for _, in := range ps {
		var old *Patient
		for _, p := range next {
			if p.MRN == in.MRN {
				old = &p
				break
			}
		}
		if old == nil {
			if in.Status == "" {
				in.Status = bot.AccountPending
			}
			next[in.RecordID] = in
			continue
		}
		p := *old
		p.FirstName, p.LastName, p.DOB, p.ZIP, p.Email, p.Phone = in.FirstName, in.LastName, in.DOB, in.ZIP, in.Email, in.Phone
		if in.Username != "" {
			p.Username = in.Username
		}
		if in.Status != "" {
			p.Status = in.Status
		}
		if in.ActivationHash != "" {
			p.ActivationHash, p.ActivationExpires = in.ActivationHash, in.ActivationExpires
		}
		p.UpdatedAt = in.UpdatedAt
		next[p.RecordID] = p
	}
	seen := map[string]bool{}
	for _, p := range next {
		u := strings.ToLower(p.Username)
		if u != "" && seen[u] {
			return bot.Errorf(bot.EINVALID, bot.UsernameTaken)
		}
		seen[u] = true
	}
	m.patients = next
	return nil
}

var nopLog = zerolog.Nop()

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a directory over memRecords holding the patients below.
type fixture struct {
	dir     *Local
	records *memRecords
	clock   *fakeClock
	code    string // Ana's activation code, in clear
}

// Passwords that pass the default policy for every fixture patient.
const (
	goodPassword  = "correct horse battery staple"
	otherPassword = "violet lanterns over harbor"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := newFakeClock()
	code, err := NewActivationCode()
	if err != nil {
		t.Fatal(err)
	}
	codeHash, err := hashActivationCode(NormalizeActivationCode(code))
	if err != nil {
		t.Fatal(err)
	}
	pwHash, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	recs := newMemRecords(
		Patient{RecordID: "r-ana", MRN: "M1", FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139",
			Email: "ana@example.org", Status: bot.AccountPending,
			ActivationHash: codeHash, ActivationExpires: now.Add(DefaultActivationTTL)},
		Patient{RecordID: "r-jose", MRN: "M2", FirstName: "José", LastName: "Núñez", DOB: "1975-06-30", ZIP: "10001",
			Phone: "+12025550101", Username: "jnunez", PasswordHash: pwHash, Status: bot.AccountActive},
		Patient{RecordID: "r-twin1", MRN: "M3", FirstName: "Kim", LastName: "Sample-Twin", DOB: "2001-09-09", ZIP: "60601",
			Status: bot.AccountPending},
		Patient{RecordID: "r-twin2", MRN: "M4", FirstName: "Kai", LastName: "Sample-Twin", DOB: "2001-09-09", ZIP: "60601",
			Status: bot.AccountPending},
		Patient{RecordID: "r-locked", MRN: "M5", FirstName: "Lou", LastName: "Lockwood", DOB: "1990-12-31", ZIP: "94110",
			Username: "lou.lockwood", PasswordHash: pwHash, Status: bot.AccountLocked, FailedSignIns: MaxFailedSignIns},
		Patient{RecordID: "r-off", MRN: "M6", FirstName: "Dee", LastName: "Disabled", DOB: "1966-06-06", ZIP: "73301",
			Username: "dee", PasswordHash: pwHash, Status: bot.AccountDisabled},
		Patient{RecordID: "r-same1", MRN: "M7", FirstName: "Pat", LastName: "Double", DOB: "1950-05-05", ZIP: "30301",
			Status: bot.AccountPending},
		Patient{RecordID: "r-same2", MRN: "M8", FirstName: "Pat", LastName: "Double", DOB: "1950-05-05", ZIP: "30301",
			Status: bot.AccountPending},
	)
	return &fixture{dir: NewLocal(recs, Policy{}, clock, nopLog), records: recs, clock: clock, code: code}
}

// wantCode fails the test unless err carries code (and message, when not "").
func wantCode(t *testing.T, err error, code, message string) {
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

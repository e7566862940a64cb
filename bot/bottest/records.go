// Package bottest is the one shared test kit of the domain packages: a
// clock stopped at a fixed time, an in-memory patients.Records, and the
// small assertions tests repeat. The engine's client recorder is
// flowtest.Recorder; an engine on a real SQLite file is
// storage/sqlite/sqlitetest. Not linked into the binary.
package bottest

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
)

// Records is an in-memory patients.Records with the semantics
// storage/sqlite implements: unique MRN, unique case-insensitive username,
// idempotency keys stored with the change, all-or-nothing imports,
// activation codes kept apart from what UpdatePatient may change.
type Records struct {
	mu       sync.Mutex
	patients map[string]patients.Patient // by record ID
	keys     map[string]string           // idempotency key → record ID
	updates  int                         // successful UpdatePatient calls that changed something
}

var _ patients.Records = (*Records)(nil)

// NewRecords returns records holding ps.
func NewRecords(ps ...patients.Patient) *Records {
	m := &Records{patients: map[string]patients.Patient{}, keys: map[string]string{}}
	for _, p := range ps {
		m.patients[p.RecordID] = p
	}
	return m
}

// Updates is how many UpdatePatient calls changed something.
func (m *Records) Updates() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.updates
}

func (m *Records) Patient(_ context.Context, id string) (patients.Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.patients[id]
	if !ok {
		return patients.Patient{}, bot.Errorf(bot.ENOTFOUND, "no record %s", id)
	}
	return p, nil
}

func (m *Records) PatientsByDOBZIP(_ context.Context, dob, zip string) ([]patients.Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []patients.Patient
	for _, p := range m.sorted() {
		if p.DOB == dob && p.ZIP == zip {
			out = append(out, p)
		}
	}
	return out, nil
}

func (m *Records) PatientByUsername(_ context.Context, u string) (patients.Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.patients {
		if p.Username != "" && strings.EqualFold(p.Username, u) {
			return p, nil
		}
	}
	return patients.Patient{}, bot.Errorf(bot.ENOTFOUND, "no username")
}

func (m *Records) PatientByMRN(_ context.Context, mrn string) (patients.Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.patients {
		if p.MRN == mrn {
			return p, nil
		}
	}
	return patients.Patient{}, bot.Errorf(bot.ENOTFOUND, "no MRN %s", mrn)
}

func (m *Records) Patients(context.Context) ([]patients.Patient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sorted(), nil
}

func (m *Records) sorted() []patients.Patient {
	out := make([]patients.Patient, 0, len(m.patients))
	for _, p := range m.patients {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MRN < out[j].MRN })
	return out
}

func (m *Records) KeyApplied(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.keys[key]
	return ok, nil
}

func (m *Records) UpdatePatient(_ context.Context, id, key string, change func(*patients.Patient) error) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, done := m.keys[key]; key != "" && done {
		return false, nil
	}
	p, ok := m.patients[id]
	if !ok {
		return false, bot.Errorf(bot.ENOTFOUND, "no record %s", id)
	}
	hash, expires := p.ActivationHash, p.ActivationExpires
	if err := change(&p); err != nil {
		return false, err
	}
	p.ActivationHash, p.ActivationExpires = hash, expires
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

func (m *Records) ImportPatients(_ context.Context, ps []patients.Patient) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := make(map[string]patients.Patient, len(m.patients))
	for id, p := range m.patients {
		next[id] = p
	}
	for _, in := range ps {
		var old *patients.Patient
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

func (m *Records) ActivationCodes(_ context.Context, ids []string) (map[string]bot.ActivationCode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bot.ActivationCode{}
	for _, id := range ids {
		if p, ok := m.patients[id]; ok && p.ActivationHash != "" {
			out[id] = bot.ActivationCode{RecordID: id, Hash: p.ActivationHash, Expires: p.ActivationExpires}
		}
	}
	return out, nil
}

func (m *Records) PutActivationCode(_ context.Context, c bot.ActivationCode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.patients[c.RecordID]
	if !ok {
		return bot.Errorf(bot.ENOTFOUND, "no record %s", c.RecordID)
	}
	p.ActivationHash, p.ActivationExpires = c.Hash, c.Expires
	m.patients[c.RecordID] = p
	return nil
}

func (m *Records) DropActivationCode(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.patients[id]; ok {
		p.ActivationHash, p.ActivationExpires = "", time.Time{}
		m.patients[id] = p
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/directory/ldap"
	"github.com/portico-chat/portico/connectors/directory/pad"
	dirremote "github.com/portico-chat/portico/connectors/directory/remote"
)

func TestSeamErrorMapsEveryDriversErrors(t *testing.T) {
	for _, tt := range []struct {
		name      string
		err       error
		code, msg string
	}{
		{"remote not found", fmt.Errorf("find: %w", dirremote.ErrNotFound), bot.ENOTFOUND, ""},
		{"remote conflict", dirremote.ErrConflict, bot.ECONFLICT, ""},
		{"remote unavailable", dirremote.Unavailable("GET /x: 503"), bot.EUNAVAILABLE, ""},
		{"remote policy", fmt.Errorf("set: %w", dirremote.Invalid(dirremote.ReasonInHistory)), bot.EINVALID, bot.PasswordReused},
		{"ldap invalid", &ldap.Error{Code: ldap.CodeInvalid, Reason: ldap.ReasonTooShort}, bot.EINVALID, bot.PasswordTooShort},
		{"ldap locked", &ldap.Error{Code: ldap.CodeLocked}, bot.ELOCKED, ""},
		{"ldap unavailable", &ldap.Error{Code: ldap.CodeUnavailable}, bot.EUNAVAILABLE, ""},
		{"ldap malformed lookup", &ldap.Error{Code: ldap.CodeInvalid, Reason: ldap.ReasonLookup}, bot.EINTERNAL, ""},
		{"deadline", context.DeadlineExceeded, bot.EUNAVAILABLE, ""},
		{"other", errors.New("boom"), bot.EINTERNAL, ""},
		{"already bot", bot.Errorf(bot.ENOTFOUND, "x"), bot.ENOTFOUND, "x"},
	} {
		err := seamError(tt.err)
		if got := bot.ErrorCode(err); got != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, got, tt.code)
		}
		if tt.msg != "" && bot.ErrorMessage(err) != tt.msg {
			t.Errorf("%s: message %q, want %q", tt.name, bot.ErrorMessage(err), tt.msg)
		}
		if !errors.Is(err, tt.err) && tt.code != bot.EINTERNAL {
			t.Errorf("%s: the driver's error is lost: %v", tt.name, err)
		}
	}
	if seamError(nil) != nil {
		t.Error("nil mapped to an error")
	}
}

// stubDir is a directory that records the lookups it is asked.
type stubDir struct {
	bot.Directory
	byMRN    map[string]string // MRN → record ID
	contacts map[string]bot.Contacts
	asked    []string
}

func (s *stubDir) Find(_ context.Context, l bot.Lookup) (string, error) {
	s.asked = append(s.asked, l.MRN)
	if id, ok := s.byMRN[l.MRN]; ok {
		return id, nil
	}
	return "", bot.Errorf(bot.ENOTFOUND, "no")
}

func (s *stubDir) Contacts(_ context.Context, id string) (bot.Contacts, error) {
	if c, ok := s.contacts[id]; ok {
		return c, nil
	}
	return bot.Contacts{}, bot.Errorf(bot.ENOTFOUND, "no")
}

type stubFinder struct {
	telecom  bool
	mrn      string
	contacts map[string]bot.Contacts
	calls    int
}

func (f *stubFinder) Find(context.Context, bot.Lookup) (string, error) {
	f.calls++
	if f.mrn == "" {
		return "", bot.Errorf(bot.ENOTFOUND, "no")
	}
	return f.mrn, nil
}

func (f *stubFinder) Matches(context.Context, string, string) ([]string, error) {
	return []string{f.mrn, "UNKNOWN-MRN"}, nil
}

func (f *stubFinder) Contacts(_ context.Context, mrn string) (bot.Contacts, error) {
	if c, ok := f.contacts[mrn]; ok {
		return c, nil
	}
	return bot.Contacts{}, bot.Errorf(bot.ENOTFOUND, "no")
}

func (f *stubFinder) ContactsFromTelecom() bool { return f.telecom }

func TestFinderInFrontMakesTheSameCallsOnAMiss(t *testing.T) {
	ctx := context.Background()
	who := bot.Lookup{FirstName: "A", LastName: "B", DOB: "1980-01-02", ZIP: "02139"}
	d := &stubDir{byMRN: map[string]string{"MRN-1": "kc-uuid-1"}}
	f := &stubFinder{mrn: "MRN-1"}
	fr := &fronted{f: f, d: d, mrns: newMRNMemo(4)}
	if id, err := fr.Find(ctx, who); err != nil || id != "kc-uuid-1" {
		t.Fatalf("hit: %q, %v", id, err)
	}
	f.mrn = ""
	if _, err := fr.Find(ctx, who); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("miss: %v, want not_found", err)
	}
	if len(d.asked) != 2 || d.asked[0] != "MRN-1" || d.asked[1] != dummyMRN {
		t.Errorf("directory asked %q, want the MRN on a hit and the dummy on a miss", d.asked)
	}
	// A username lookup is the directory's alone.
	fr.Find(ctx, bot.Lookup{Username: "u", DOB: "1980-01-02"})
	if f.calls != 2 {
		t.Errorf("finder called %d times, want 2 (not for a username)", f.calls)
	}
	// Matches: the finder's MRNs that the directory has.
	f.mrn = "MRN-1"
	if ids, err := fr.Matches(ctx, "1980-01-02", "02139"); err != nil || len(ids) != 1 || ids[0] != "kc-uuid-1" {
		t.Errorf("matches %v, %v", ids, err)
	}
}

func TestFinderTelecomContactsOnlyWhenAllowedAndNoneOnFile(t *testing.T) {
	ctx := context.Background()
	d := &stubDir{byMRN: map[string]string{"MRN-1": "id-1", "MRN-2": "id-2"},
		contacts: map[string]bot.Contacts{"id-1": {}, "id-2": {Email: "dir@example.org"}}}
	f := &stubFinder{mrn: "MRN-1", contacts: map[string]bot.Contacts{"MRN-1": {Phone: "+16175550111"}, "MRN-2": {Phone: "+16175550112"}}}
	fr := &fronted{f: f, d: d, mrns: newMRNMemo(4)}
	fr.Find(ctx, bot.Lookup{FirstName: "A", LastName: "B", DOB: "1980-01-02", ZIP: "02139"})
	if c, _ := fr.Contacts(ctx, "id-1"); c.Phone != "" {
		t.Errorf("telecom used without contacts_from_telecom: %+v", c)
	}
	f.telecom = true
	if c, err := fr.Contacts(ctx, "id-1"); err != nil || c.Phone != "+16175550111" {
		t.Errorf("contacts of a record with none on file: %+v, %v; want the EHR's", c, err)
	}
	if c, _ := fr.Contacts(ctx, "id-2"); c.Email != "dir@example.org" || c.Phone != "" {
		t.Errorf("contacts of a record with some on file: %+v, want the directory's only", c)
	}
	if _, err := fr.Contacts(ctx, "no-such"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("contacts of no record: %v, want not_found", err)
	}
}

// slowDir answers Find after a delay.
type slowDir struct {
	bot.Directory
	d time.Duration
}

func (s slowDir) Find(context.Context, bot.Lookup) (string, error) {
	time.Sleep(s.d)
	return "", bot.Errorf(bot.ENOTFOUND, "no")
}

func TestPaddedCallsTakeTheFloorAndCountOverruns(t *testing.T) {
	var overruns atomic.Int64
	p := padded{d: slowDir{d: time.Millisecond}, floor: pad.Floor{Min: 30 * time.Millisecond}, overruns: &overruns}
	start := time.Now()
	p.Find(context.Background(), bot.Lookup{MRN: "x"})
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Errorf("padded call took %v, want at least 30ms", took)
	}
	if overruns.Load() != 0 {
		t.Errorf("overrun counted for a call under the floor")
	}
	p.d = slowDir{d: 40 * time.Millisecond}
	p.Find(context.Background(), bot.Lookup{MRN: "x"})
	if overruns.Load() != 1 {
		t.Errorf("overruns %d, want 1", overruns.Load())
	}
}

func TestBackendUpFollowsTheLastCall(t *testing.T) {
	b := &backend{role: "directory", driver: "bridge"}
	if !b.up() {
		t.Fatal("a backend nobody called is down")
	}
	b.seen(bot.Errorf(bot.EUNAVAILABLE, "down"))
	if b.up() || b.unavailable.Load() != 1 {
		t.Errorf("after an unavailable call: up %v, count %d", b.up(), b.unavailable.Load())
	}
	if b.ready(context.Background()) == nil {
		t.Error("ready while the last call found it down")
	}
	b.seen(bot.Errorf(bot.ENOTFOUND, "no"))
	if !b.up() {
		t.Error("a miss is the backend answering: up")
	}
}

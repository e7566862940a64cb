package bridgecheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

// concurrentCopies is how many copies of one change the suite sends at
// once: all must succeed, and the change happen once.
const concurrentCopies = 20

// newPassword is a long random password with four kinds of character, so
// any reasonable policy takes it, and no name or username in it.
func newPassword() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return "Zq" + h[:8] + "-" + h[8:16] + "-" + h[16:24] + "-" + h[24:] + "!"
}

// newKey is a fresh idempotency key.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "bridgecheck-" + hex.EncodeToString(b)
}

func (s *suite) post(ctx context.Context, id, suffix string, body any) (answer, error) {
	return s.p.send(ctx, http.MethodPost, recordPath(id, suffix), body, nil)
}

func (s *suite) password(ctx context.Context) {
	act, ok := s.record(OpPassword, "password changes", s.fx.Active)
	if !ok {
		return
	}
	pw := func(password, key string) bridge.PasswordRequest {
		return bridge.PasswordRequest{Password: password, IdempotencyKey: key}
	}
	a, err := s.post(ctx, act, "/password", pw("x", newKey()))
	s.expect(OpPassword, "a one-letter password is refused as too_short", a, err, http.StatusUnprocessableEntity, remote.ReasonTooShort)
	a, err = s.post(ctx, act, "/password", bridge.PasswordRequest{Password: newPassword()})
	s.expect(OpPassword, "a change without an idempotency key is refused with 400", a, err, http.StatusBadRequest, bridge.CodeBadRequest)
	a, err = s.post(ctx, noSuchRecord, "/password", pw(newPassword(), newKey()))
	s.expect(OpPassword, "an unknown record answers 404", a, err, http.StatusNotFound, bridge.CodeNotFound)
	if dis, ok := s.record(OpPassword, "a disabled account answers 409 conflict", s.fx.Disabled); ok {
		a, err = s.post(ctx, dis, "/password", pw(newPassword(), newKey()))
		s.expect(OpPassword, "a disabled account answers 409 conflict", a, err, http.StatusConflict, bridge.CodeConflict)
	}

	first, key1 := newPassword(), newKey()
	a, err = s.post(ctx, act, "/password", pw(first, key1))
	if !s.expect(OpPassword, "a good password is set (204)", a, err, http.StatusNoContent) {
		return
	}
	a, err = s.post(ctx, act, "/password", pw(first, key1))
	retries := s.expect(OpPassword, "the same change retried with its key answers 204 again", a, err, http.StatusNoContent)
	a, err = s.post(ctx, act, "/password", pw(newPassword(), newKey()))
	minAge := err == nil && a.status == http.StatusUnprocessableEntity && a.code == remote.ReasonTooRecent
	if minAge {
		s.skip(OpPassword, "a retry of the first change after a newer one", "the bridge enforces a minimum password age")
	} else if s.expect(OpPassword, "another change with a new key is set (204)", a, err, http.StatusNoContent) {
		// Applied again, the first password would now be refused by a
		// history rule, or would replace the newer one: either is wrong.
		a, err = s.post(ctx, act, "/password", pw(first, key1))
		retries = s.expect(OpPassword, "a retry of the first change after a newer one still answers 204, changing nothing", a, err, http.StatusNoContent) && retries
	}
	if lck, ok := s.ids[s.fx.Locked.MRN]; ok {
		a, err = s.post(ctx, lck, "/password", pw(first, key1))
		s.expect(OpPassword, "a key already used for another record is refused", a, err,
			http.StatusUnprocessableEntity, bridge.CodeIdempotencyKeyReused)
	}
	switch {
	case minAge:
		s.skip(OpPassword, "copies of one change sent at once", "the bridge enforces a minimum password age")
		return
	case !retries:
		s.skip(OpPassword, "copies of one change sent at once", "a single retry already fails")
		return
	}
	s.concurrent(ctx, OpPassword, act, "/password", pw(newPassword(), newKey()))
}

// concurrent sends concurrentCopies copies of one change at once: every
// copy must answer 204.
func (s *suite) concurrent(ctx context.Context, op, id, suffix string, body any) {
	check := "20 copies of one change sent at once all answer 204"
	answers := make([]answer, concurrentCopies)
	errs := make([]error, concurrentCopies)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = s.post(ctx, id, suffix, body)
		}()
	}
	wg.Wait()
	for i := range answers {
		if errs[i] != nil || answers[i].status != http.StatusNoContent {
			s.expect(op, check, answers[i], errs[i], http.StatusNoContent)
			return
		}
	}
	s.pass(op, check)
}

func (s *suite) activate(ctx context.Context) {
	pend, ok := s.record(OpActivate, "activation", s.fx.Pending)
	if !ok {
		return
	}
	var acc bridge.AccountAnswer
	if !s.getJSON(ctx, OpActivate, "the pending record is pending", pend, "/account", &acc) {
		return
	}
	if acc.Status != "pending" {
		s.skip(OpActivate, "activation", "the pending fixture record is "+acc.Status+": activated by an earlier run? load the fixture again")
		return
	}
	act := func(username, password, key string) bridge.ActivateRequest {
		return bridge.ActivateRequest{Username: username, Password: password, IdempotencyKey: key}
	}
	name := s.fx.PendingUsername
	a, err := s.post(ctx, pend, "/activate", act(name, "x", newKey()))
	s.expect(OpActivate, "a one-letter password is refused as too_short", a, err, http.StatusUnprocessableEntity, remote.ReasonTooShort)
	a, err = s.post(ctx, pend, "/activate", act(s.fx.Active.Username, newPassword(), newKey()))
	s.expect(OpActivate, "another record's username is refused as username_taken", a, err, http.StatusUnprocessableEntity, remote.ReasonUsernameTaken)
	a, err = s.post(ctx, pend, "/activate", act("has space", newPassword(), newKey()))
	s.expect(OpActivate, "a malformed username is refused as username_format", a, err, http.StatusUnprocessableEntity, remote.ReasonUsernameFormat)
	if active, ok := s.ids[s.fx.Active.MRN]; ok {
		a, err = s.post(ctx, active, "/activate", bridge.ActivateRequest{Username: "fresh.name", Password: newPassword(), IdempotencyKey: newKey()})
		s.expect(OpActivate, "an active account answers 409 conflict", a, err, http.StatusConflict, bridge.CodeConflict)
	}

	req := act(name, newPassword(), newKey())
	a, err = s.post(ctx, pend, "/activate", req)
	if !s.expect(OpActivate, "a pending account is activated (204)", a, err, http.StatusNoContent) {
		return
	}
	if s.getJSON(ctx, OpActivate, "the activated account is active with the chosen username", pend, "/account", &acc) {
		if acc.Status != "active" || !strings.EqualFold(acc.Username, name) {
			s.failf(OpActivate, "the activated account is active with the chosen username", "got %q %q, want active %q", acc.Status, acc.Username, name)
		} else {
			s.pass(OpActivate, "the activated account is active with the chosen username")
		}
	}
	s.concurrent(ctx, OpActivate, pend, "/activate", req)
	a, err = s.post(ctx, pend, "/activate", act(name, newPassword(), newKey()))
	s.expect(OpActivate, "activating again with a new key answers 409 conflict", a, err, http.StatusConflict, bridge.CodeConflict)
}

func (s *suite) unlock(ctx context.Context) {
	lck, ok := s.record(OpUnlock, "unlock", s.fx.Locked)
	if !ok {
		return
	}
	req := bridge.UnlockRequest{IdempotencyKey: newKey()}
	a, err := s.post(ctx, lck, "/unlock", req)
	if s.expect(OpUnlock, "a locked account is unlocked (204)", a, err, http.StatusNoContent) {
		var acc bridge.AccountAnswer
		if s.getJSON(ctx, OpUnlock, "the unlocked account is active", lck, "/account", &acc) {
			if acc.Status != "active" {
				s.failf(OpUnlock, "the unlocked account is active", "status: got %q, want active", acc.Status)
			} else {
				s.pass(OpUnlock, "the unlocked account is active")
			}
		}
	}
	s.concurrent(ctx, OpUnlock, lck, "/unlock", req)
	if dis, ok := s.record(OpUnlock, "a disabled account answers 409", s.fx.Disabled); ok {
		a, err = s.post(ctx, dis, "/unlock", bridge.UnlockRequest{IdempotencyKey: newKey()})
		s.expect(OpUnlock, "a disabled account answers 409 conflict", a, err, http.StatusConflict, bridge.CodeConflict)
	}
	a, err = s.post(ctx, noSuchRecord, "/unlock", bridge.UnlockRequest{IdempotencyKey: newKey()})
	s.expect(OpUnlock, "an unknown record answers 404", a, err, http.StatusNotFound, bridge.CodeNotFound)
}

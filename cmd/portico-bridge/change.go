package main

import (
	"database/sql"
	"net/http"
	"strings"
	"time"
)

// maxKeyLen bounds an idempotency key (Portico sends 64 hex digits).
const maxKeyLen = 128

// The three changes share one shape: decode; answer at once if the key
// was already used for this change; check the record's state and the
// policy; hash (slow, outside any transaction); then store the change and
// its key in one transaction that checks the state again.

func (s *server) setPassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Password       string `json:"password"`
		IdempotencyKey string `json:"idempotency_key"`
	}
	id := r.PathValue("id")
	err := s.change(r, &req, &req.IdempotencyKey, "password", id, func(rec record, now time.Time) (func(*sql.Tx) error, error) {
		if rec.Status != "active" && rec.Status != "locked" {
			return nil, errConflict
		}
		if req.Password == "" {
			return nil, errBadRequest("want password")
		}
		if err := s.policyCheck(r, rec, rec.Username, req.Password, now); err != nil {
			return nil, err
		}
		hash, err := hashPassword(req.Password)
		if err != nil {
			return nil, err
		}
		return func(tx *sql.Tx) error {
			if err := guarded(r.Context(), tx,
				`UPDATE records SET password_hash = ?, password_changed_at = ?
				 WHERE id = ? AND status IN ('active', 'locked')`, hash, now.Unix(), id); err != nil {
				return err
			}
			return s.keepHistory(r, tx, rec, now)
		}, nil
	})
	s.done(w, err)
}

func (s *server) activate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username       string `json:"username"`
		Password       string `json:"password"`
		IdempotencyKey string `json:"idempotency_key"`
	}
	id := r.PathValue("id")
	err := s.change(r, &req, &req.IdempotencyKey, "activate", id, func(rec record, now time.Time) (func(*sql.Tx) error, error) {
		if rec.Status != "pending" {
			return nil, errConflict
		}
		if req.Password == "" {
			return nil, errBadRequest("want username and password")
		}
		if err := s.usernameFree(r, id, req.Username); err != nil {
			return nil, err
		}
		if err := s.policyCheck(r, rec, req.Username, req.Password, now); err != nil {
			return nil, err
		}
		hash, err := hashPassword(req.Password)
		if err != nil {
			return nil, err
		}
		return func(tx *sql.Tx) error {
			err := guarded(r.Context(), tx,
				`UPDATE records SET username = ?, password_hash = ?, password_changed_at = ?, status = 'active'
				 WHERE id = ? AND status = 'pending'`, req.Username, hash, now.Unix(), id)
			if err != nil && strings.Contains(err.Error(), "UNIQUE") {
				return refused("username_taken") // taken meanwhile
			}
			return err
		}, nil
	})
	s.done(w, err)
}

func (s *server) unlock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IdempotencyKey string `json:"idempotency_key"`
	}
	id := r.PathValue("id")
	err := s.change(r, &req, &req.IdempotencyKey, "unlock", id, func(rec record, now time.Time) (func(*sql.Tx) error, error) {
		if rec.Status != "locked" && rec.Status != "active" { // unlocking an active account changes nothing
			return nil, errConflict
		}
		return func(tx *sql.Tx) error {
			return guarded(r.Context(), tx,
				`UPDATE records SET status = 'active' WHERE id = ? AND status IN ('locked', 'active')`, id)
		}, nil
	})
	s.done(w, err)
}

// change runs the shared shape. prepare checks the record and returns the
// write to make.
func (s *server) change(r *http.Request, req any, key *string, op, id string,
	prepare func(record, time.Time) (func(*sql.Tx) error, error)) error {
	if err := decode(r, req); err != nil {
		return err
	}
	if *key == "" || len(*key) > maxKeyLen {
		return errBadRequest("want idempotency_key, 1 to 128 characters")
	}
	defer s.keys.lock(*key)()
	switch use, err := s.store.keyUse(r.Context(), s.store.db, *key, op, id); {
	case err != nil:
		return err
	case use == keyDone:
		return nil
	case use == keyReused:
		return errKeyReused
	}
	rec, err := s.store.record(r.Context(), id)
	if err != nil {
		return err
	}
	now := time.Now()
	write, err := prepare(rec, now)
	if err != nil {
		return err
	}
	return s.store.apply(r.Context(), *key, op, id, now.Unix(), write)
}

func (s *server) done(w http.ResponseWriter, err error) {
	if err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// policyCheck applies the password policy against the current and
// earlier hashes.
func (s *server) policyCheck(r *http.Request, rec record, username, pw string, now time.Time) error {
	hashes := []string{rec.PasswordHash}
	if s.policy.History > 0 {
		old, err := s.store.history(r.Context(), rec.ID, s.policy.History)
		if err != nil {
			return err
		}
		hashes = append(hashes, old...)
	} else {
		hashes = nil
	}
	if code := s.policy.check(pw, username, rec.FirstName, rec.LastName, hashes, rec.PasswordChangedAt, now); code != "" {
		return refused(code)
	}
	return nil
}

// keepHistory files the replaced hash and forgets the oldest beyond the
// policy's count.
func (s *server) keepHistory(r *http.Request, tx *sql.Tx, rec record, now time.Time) error {
	if rec.PasswordHash == "" || s.policy.History <= 0 {
		return nil
	}
	ctx := r.Context()
	if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (record_id, hash, changed_at) VALUES (?, ?, ?)`,
		rec.ID, rec.PasswordHash, now.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM password_history WHERE record_id = ? AND rowid NOT IN
		(SELECT rowid FROM password_history WHERE record_id = ? ORDER BY changed_at DESC, rowid DESC LIMIT ?)`,
		rec.ID, rec.ID, s.policy.History)
	return err
}

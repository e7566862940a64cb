package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
)

var (
	_ patients.Records    = (*DB)(nil)
	_ bot.ActivationCodes = (*DB)(nil)
)

// usernameIndex is the unique index on lower(username).
const usernameIndex = "directory_patients_username"

const directoryPatientColumns = `p.record_id, p.mrn, p.first_name, p.last_name, p.dob, p.zip, p.email, p.phone,
	p.username, p.password_hash, coalesce(a.hash, ''), a.expires_at, p.status, p.failed_sign_ins,
	p.session_gen, p.created_at, p.updated_at`

const directoryPatients = `directory_patients p LEFT JOIN activation_codes a ON a.record_id = p.record_id`

// Patient returns a directory record by ID, or ENOTFOUND.
func (db *DB) Patient(ctx context.Context, recordID string) (patients.Patient, error) {
	return db.patientWhere(ctx, "read patient", "no such patient record", `p.record_id = $1`, recordID)
}

// PatientsByDOBZIP returns the records with this date of birth and ZIP;
// none is not an error.
func (db *DB) PatientsByDOBZIP(ctx context.Context, dob, zip string) ([]patients.Patient, error) {
	return queryAll(ctx, db.pool, "read patients by dob and zip", scanDirectoryPatient,
		`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE p.dob = $1 AND p.zip = $2 ORDER BY p.record_id`, dob, zip)
}

// PatientByUsername returns the record with this username, ignoring case,
// or ENOTFOUND.
func (db *DB) PatientByUsername(ctx context.Context, username string) (patients.Patient, error) {
	return db.patientWhere(ctx, "read patient by username", "no such username", `lower(p.username) = lower($1)`, username)
}

// PatientByMRN returns the record with this MRN, or ENOTFOUND.
func (db *DB) PatientByMRN(ctx context.Context, mrn string) (patients.Patient, error) {
	return db.patientWhere(ctx, "read patient by MRN", "no such MRN", `p.mrn = $1`, mrn)
}

func (db *DB) patientWhere(ctx context.Context, what, missing, where string, arg any) (patients.Patient, error) {
	p, err := scanDirectoryPatient(db.pool.QueryRow(ctx, `SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return patients.Patient{}, bot.Errorf(bot.ENOTFOUND, "%s", missing)
	}
	if err != nil {
		return patients.Patient{}, fmt.Errorf("%s: %w", what, err)
	}
	return p, nil
}

// Patients returns every directory record, ordered by MRN.
func (db *DB) Patients(ctx context.Context) ([]patients.Patient, error) {
	return queryAll(ctx, db.pool, "read patients", scanDirectoryPatient,
		`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` ORDER BY p.mrn`)
}

// KeyApplied reports whether an account change was applied under key.
func (db *DB) KeyApplied(ctx context.Context, key string) (bool, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM directory_keys WHERE key = $1`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	return n > 0, nil
}

// UpdatePatient reads a record (locking its row), applies change and
// writes it back in one transaction; with a key, the key is checked first
// (under its advisory lock) and stored with the change.
func (db *DB) UpdatePatient(ctx context.Context, recordID, key string, change func(*patients.Patient) error) (bool, error) {
	var applied bool
	err := db.Write(ctx, func(tx pgx.Tx) error {
		applied = false
		if key != "" {
			if err := lock(ctx, tx, "directory_key/"+key); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM directory_keys WHERE key = $1`, key).Scan(&n); err != nil {
				return fmt.Errorf("read idempotency key: %w", err)
			}
			if n > 0 {
				return nil
			}
		}
		p, err := scanDirectoryPatient(tx.QueryRow(ctx,
			`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE p.record_id = $1 FOR UPDATE OF p`, recordID))
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.Errorf(bot.ENOTFOUND, "no such patient record")
		}
		if err != nil {
			return fmt.Errorf("read patient: %w", err)
		}
		if err := change(&p); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE directory_patients SET first_name = $1, last_name = $2, dob = $3, zip = $4,
			email = $5, phone = $6, username = $7, password_hash = $8,
			status = $9, failed_sign_ins = $10, session_gen = $11, updated_at = $12
			WHERE record_id = $13`,
			p.FirstName, p.LastName, p.DOB, p.ZIP, p.Email, p.Phone, nullText(p.Username),
			p.PasswordHash, string(p.Status), p.FailedSignIns, p.SessionGen, unixNanos(orNow(p.UpdatedAt)), recordID)
		if err := directoryWriteError("update patient", err); err != nil {
			return err
		}
		if key != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO directory_keys (key, record_id, at) VALUES ($1, $2, $3)`,
				key, recordID, unixNanos(orNow(p.UpdatedAt))); err != nil {
				return fmt.Errorf("store idempotency key: %w", err)
			}
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return applied, nil
}

// ImportPatients upserts the records by MRN in one transaction, all of them
// or none, with the activation codes they carry.
func (db *DB) ImportPatients(ctx context.Context, ps []patients.Patient) error {
	return db.Write(ctx, func(tx pgx.Tx) error {
		for i, p := range ps {
			var id string
			err := tx.QueryRow(ctx, `INSERT INTO directory_patients (record_id, mrn, first_name, last_name, dob, zip,
					email, phone, username, password_hash, status, failed_sign_ins, session_gen, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', coalesce(nullif($10, ''), 'pending'), 0, 0, $11, $12)
				ON CONFLICT (mrn) DO UPDATE SET
					first_name = excluded.first_name, last_name = excluded.last_name,
					dob = excluded.dob, zip = excluded.zip,
					email = excluded.email, phone = excluded.phone,
					username = coalesce(excluded.username, directory_patients.username),
					status = CASE WHEN $10 = '' THEN directory_patients.status ELSE excluded.status END,
					updated_at = excluded.updated_at
				RETURNING record_id`,
				p.RecordID, p.MRN, p.FirstName, p.LastName, p.DOB, p.ZIP, p.Email, p.Phone,
				nullText(p.Username), string(p.Status),
				unixNanos(orNow(p.CreatedAt)), unixNanos(orNow(p.UpdatedAt))).Scan(&id)
			if err != nil {
				return directoryWriteError(fmt.Sprintf("import patient %d of %d", i+1, len(ps)), err)
			}
			if p.ActivationHash == "" {
				continue
			}
			c := bot.ActivationCode{RecordID: id, Hash: p.ActivationHash, Expires: p.ActivationExpires}
			if err := putActivationCode(ctx, tx, c); err != nil {
				return fmt.Errorf("import patient %d of %d: %w", i+1, len(ps), err)
			}
		}
		return nil
	})
}

// PurgeDirectoryKeys forgets idempotency keys stored before before, and
// returns how many were deleted.
func (db *DB) PurgeDirectoryKeys(ctx context.Context, before time.Time) (int64, error) {
	n, err := db.exec(ctx, `DELETE FROM directory_keys WHERE at < $1`, unixNanos(before))
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}

// directoryWriteError turns a clash on the username into the domain error
// the dialogs understand, and wraps anything else.
func directoryWriteError(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err, usernameIndex):
		return &bot.Error{Code: bot.EINVALID, Message: bot.UsernameTaken}
	case isUniqueViolation(err):
		return bot.Errorf(bot.ECONFLICT, "%s: duplicate record", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func scanDirectoryPatient(s scanner) (patients.Patient, error) {
	var (
		p                patients.Patient
		username         sql.NullString
		status           string
		expires          sql.NullInt64
		created, updated int64
	)
	err := s.Scan(&p.RecordID, &p.MRN, &p.FirstName, &p.LastName, &p.DOB, &p.ZIP, &p.Email, &p.Phone,
		&username, &p.PasswordHash, &p.ActivationHash, &expires, &status, &p.FailedSignIns,
		&p.SessionGen, &created, &updated)
	if err != nil {
		return patients.Patient{}, err
	}
	p.Username = username.String
	p.Status = bot.AccountStatus(status)
	p.ActivationExpires = fromNanos(expires)
	p.CreatedAt, p.UpdatedAt = fromUnix(created), fromUnix(updated)
	return p, nil
}

// ActivationCodes returns the activation code on file of each of the
// records that has one.
func (db *DB) ActivationCodes(ctx context.Context, recordIDs []string) (map[string]bot.ActivationCode, error) {
	out := make(map[string]bot.ActivationCode, len(recordIDs))
	if len(recordIDs) == 0 {
		return out, nil
	}
	codes, err := queryAll(ctx, db.pool, "read activation codes", func(s scanner) (bot.ActivationCode, error) {
		var c bot.ActivationCode
		var expires int64
		err := s.Scan(&c.RecordID, &c.Hash, &expires)
		c.Expires = fromUnix(expires)
		return c, err
	}, `SELECT record_id, hash, expires_at FROM activation_codes WHERE record_id = ANY($1)`, recordIDs)
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		out[c.RecordID] = c
	}
	return out, nil
}

// PutActivationCode gives a record a new activation code, replacing any
// earlier one.
func (db *DB) PutActivationCode(ctx context.Context, c bot.ActivationCode) error {
	return db.Write(ctx, func(tx pgx.Tx) error { return putActivationCode(ctx, tx, c) })
}

// PutActivationCodes gives each record its new activation code, all in
// one transaction: every code is stored, or none (`portico patients
// import` of mrn,activation_code for a remote directory).
func (db *DB) PutActivationCodes(ctx context.Context, cs []bot.ActivationCode) error {
	return db.Write(ctx, func(tx pgx.Tx) error {
		for _, c := range cs {
			if err := putActivationCode(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func putActivationCode(ctx context.Context, tx pgx.Tx, c bot.ActivationCode) error {
	_, err := tx.Exec(ctx, `INSERT INTO activation_codes (record_id, hash, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (record_id) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at`,
		c.RecordID, c.Hash, unixNanos(c.Expires))
	if err != nil {
		return fmt.Errorf("store activation code: %w", err)
	}
	return nil
}

// DropActivationCode forgets a record's activation code.
func (db *DB) DropActivationCode(ctx context.Context, recordID string) error {
	if _, err := db.exec(ctx, `DELETE FROM activation_codes WHERE record_id = $1`, recordID); err != nil {
		return fmt.Errorf("drop activation code: %w", err)
	}
	return nil
}

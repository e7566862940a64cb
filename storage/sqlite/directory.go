package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
)

var _ patients.Records = (*DB)(nil)

// directoryPatientColumns are a record's columns, with its activation
// code joined from activation_codes (alias a); read them FROM
// directoryPatients.
const directoryPatientColumns = `p.record_id, p.mrn, p.first_name, p.last_name, p.dob, p.zip, p.email, p.phone,
	p.username, p.password_hash, coalesce(a.hash, ''), a.expires_at, p.status, p.failed_sign_ins,
	p.session_gen, p.created_at, p.updated_at`

// directoryPatients is the FROM clause directoryPatientColumns read.
const directoryPatients = `directory_patients p LEFT JOIN activation_codes a ON a.record_id = p.record_id`

// Patient returns a directory record by ID, or ENOTFOUND.
func (db *DB) Patient(ctx context.Context, recordID string) (patients.Patient, error) {
	row := db.rstmts.queryRow(ctx,
		`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE p.record_id = ?`, recordID)
	p, err := scanDirectoryPatient(row)
	if errors.Is(err, sql.ErrNoRows) {
		return patients.Patient{}, bot.Errorf(bot.ENOTFOUND, "no such patient record")
	}
	if err != nil {
		return patients.Patient{}, fmt.Errorf("read patient: %w", err)
	}
	return p, nil
}

// PatientsByDOBZIP returns the records with this date of birth and ZIP, by
// the (dob, zip) index; none is not an error.
func (db *DB) PatientsByDOBZIP(ctx context.Context, dob, zip string) ([]patients.Patient, error) {
	ps, err := db.queryDirectoryPatients(ctx,
		`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE p.dob = ? AND p.zip = ? ORDER BY p.record_id`, dob, zip)
	if err != nil {
		return nil, fmt.Errorf("read patients by dob and zip: %w", err)
	}
	return ps, nil
}

// PatientByUsername returns the record with this username, ignoring ASCII
// case, or ENOTFOUND.
func (db *DB) PatientByUsername(ctx context.Context, username string) (patients.Patient, error) {
	row := db.rstmts.queryRow(ctx,
		`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE p.username = ?`, username)
	p, err := scanDirectoryPatient(row)
	if errors.Is(err, sql.ErrNoRows) {
		return patients.Patient{}, bot.Errorf(bot.ENOTFOUND, "no such username")
	}
	if err != nil {
		return patients.Patient{}, fmt.Errorf("read patient by username: %w", err)
	}
	return p, nil
}

// PatientByMRN returns the record with this MRN, or ENOTFOUND.
func (db *DB) PatientByMRN(ctx context.Context, mrn string) (patients.Patient, error) {
	row := db.rstmts.queryRow(ctx,
		`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE p.mrn = ?`, mrn)
	p, err := scanDirectoryPatient(row)
	if errors.Is(err, sql.ErrNoRows) {
		return patients.Patient{}, bot.Errorf(bot.ENOTFOUND, "no such MRN")
	}
	if err != nil {
		return patients.Patient{}, fmt.Errorf("read patient by MRN: %w", err)
	}
	return p, nil
}

// Patients returns every directory record, ordered by MRN.
func (db *DB) Patients(ctx context.Context) ([]patients.Patient, error) {
	ps, err := db.queryDirectoryPatients(ctx,
		`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` ORDER BY p.mrn`)
	if err != nil {
		return nil, fmt.Errorf("read patients: %w", err)
	}
	return ps, nil
}

func (db *DB) queryDirectoryPatients(ctx context.Context, query string, args ...any) ([]patients.Patient, error) {
	rows, err := db.rstmts.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []patients.Patient
	for rows.Next() {
		p, err := scanDirectoryPatient(rows)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// KeyApplied reports whether an account change was applied under key.
func (db *DB) KeyApplied(ctx context.Context, key string) (bool, error) {
	var n int
	err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM directory_keys WHERE key = ?`, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	return n > 0, nil
}

// UpdatePatient reads a record, applies change and writes it back in one
// durable write; with a key, the key is checked first and stored with the
// change (see patients.Records). The record ID, MRN, creation time and
// activation code cannot be changed this way.
func (db *DB) UpdatePatient(ctx context.Context, recordID, key string, change func(*patients.Patient) error) (bool, error) {
	var applied bool
	err := db.Write(ctx, func(tx *sql.Tx) error {
		applied = false // a retried batch starts over
		if key != "" {
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM directory_keys WHERE key = ?`, key).Scan(&n); err != nil {
				return fmt.Errorf("read idempotency key: %w", err)
			}
			if n > 0 {
				return nil
			}
		}
		p, err := scanDirectoryPatient(tx.QueryRow(
			`SELECT `+directoryPatientColumns+` FROM `+directoryPatients+` WHERE p.record_id = ?`, recordID))
		if errors.Is(err, sql.ErrNoRows) {
			return bot.Errorf(bot.ENOTFOUND, "no such patient record")
		}
		if err != nil {
			return fmt.Errorf("read patient: %w", err)
		}
		if err := change(&p); err != nil {
			return err
		}
		if err := updateDirectoryPatient(tx, recordID, p); err != nil {
			return err
		}
		if key != "" {
			if _, err := tx.Exec(`INSERT INTO directory_keys (key, record_id, at) VALUES (?, ?, ?)`,
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

func updateDirectoryPatient(tx *sql.Tx, recordID string, p patients.Patient) error {
	_, err := tx.Exec(`UPDATE directory_patients SET first_name = ?, last_name = ?, dob = ?, zip = ?,
		email = ?, phone = ?, username = ?, password_hash = ?,
		status = ?, failed_sign_ins = ?, session_gen = ?, updated_at = ?
		WHERE record_id = ?`,
		p.FirstName, p.LastName, p.DOB, p.ZIP, p.Email, p.Phone, nullText(p.Username),
		p.PasswordHash, string(p.Status),
		p.FailedSignIns, p.SessionGen, unixNanos(orNow(p.UpdatedAt)), recordID)
	return directoryWriteError("update patient", err)
}

// ImportPatients upserts the records by MRN in one transaction: all of
// them or none (see patients.Records for what an update keeps), with the
// activation codes they carry. The whole import holds the write lock, so
// other writes wait for it.
func (db *DB) ImportPatients(ctx context.Context, ps []patients.Patient) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.Prepare(`INSERT INTO directory_patients (record_id, mrn, first_name, last_name, dob, zip,
				email, phone, username, password_hash, status, failed_sign_ins, session_gen, created_at, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', coalesce(nullif(?10, ''), 'pending'), 0, 0, ?11, ?12)
			ON CONFLICT (mrn) DO UPDATE SET
				first_name = excluded.first_name, last_name = excluded.last_name,
				dob = excluded.dob, zip = excluded.zip,
				email = excluded.email, phone = excluded.phone,
				username = coalesce(excluded.username, username),
				status = CASE WHEN ?10 = '' THEN status ELSE excluded.status END,
				updated_at = excluded.updated_at
			RETURNING record_id`)
		if err != nil {
			return fmt.Errorf("prepare import: %w", err)
		}
		defer stmt.Close()
		for i, p := range ps {
			var id string
			err := stmt.QueryRow(p.RecordID, p.MRN, p.FirstName, p.LastName, p.DOB, p.ZIP, p.Email, p.Phone,
				nullText(p.Username), string(p.Status),
				unixNanos(orNow(p.CreatedAt)), unixNanos(orNow(p.UpdatedAt))).Scan(&id)
			if err != nil {
				return directoryWriteError(fmt.Sprintf("import patient %d of %d", i+1, len(ps)), err)
			}
			if p.ActivationHash == "" {
				continue
			}
			c := bot.ActivationCode{RecordID: id, Hash: p.ActivationHash, Expires: p.ActivationExpires}
			if err := putActivationCode(tx, c); err != nil {
				return fmt.Errorf("import patient %d of %d: %w", i+1, len(ps), err)
			}
		}
		return nil
	})
}

// PurgeDirectoryKeys forgets idempotency keys stored before before: a
// retry comes within minutes of a crash, not months. It returns how many
// were deleted.
func (db *DB) PurgeDirectoryKeys(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM directory_keys WHERE at < ?`, unixNanos(before))
		if err != nil {
			return fmt.Errorf("purge idempotency keys: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// directoryWriteError turns a clash on the username into the domain error
// the dialogs understand, and wraps anything else.
func directoryWriteError(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err) && strings.Contains(err.Error(), "directory_patients.username"):
		return &bot.Error{Code: bot.EINVALID, Message: bot.UsernameTaken}
	case isUniqueViolation(err):
		return bot.Errorf(bot.ECONFLICT, "%s: duplicate record", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func scanDirectoryPatient(s interface{ Scan(...any) error }) (patients.Patient, error) {
	var (
		p                      patients.Patient
		username               sql.NullString
		status                 string
		expires                sql.NullInt64
		createdNano, updatedNs int64
	)
	err := s.Scan(&p.RecordID, &p.MRN, &p.FirstName, &p.LastName, &p.DOB, &p.ZIP, &p.Email, &p.Phone,
		&username, &p.PasswordHash, &p.ActivationHash, &expires, &status, &p.FailedSignIns,
		&p.SessionGen, &createdNano, &updatedNs)
	if err != nil {
		return patients.Patient{}, err
	}
	p.Username = username.String
	p.Status = bot.AccountStatus(status)
	p.ActivationExpires = fromNanos(expires)
	p.CreatedAt = time.Unix(0, createdNano).UTC()
	p.UpdatedAt = time.Unix(0, updatedNs).UTC()
	return p, nil
}

package portal

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
)

// ImportHeader is the exact header line of a patient CSV file.
const ImportHeader = "mrn,first_name,last_name,dob,zip,email,phone,username,activation_code,status"

// Import limits.
const (
	// maxImportRows bounds one import's memory; split bigger files.
	maxImportRows = 500_000
	maxMRNLen     = 64
	recordIDBytes = 16
)

// Column positions of ImportHeader.
const (
	colMRN = iota
	colFirstName
	colLastName
	colDOB
	colZIP
	colEmail
	colPhone
	colUsername
	colActivationCode
	colStatus
	numColumns
)

// Import reads patients from CSV (header ImportHeader; see
// docs/connectors.md) and inserts or updates them by MRN, all in one
// transaction. The first bad row stops it with an EINVALID error naming the
// line and the problem (`line 7: dob "1980-02-30": not a real date`), and
// then nothing is imported. Activation codes are stored hashed and expire
// after the policy's ActivationTTL. It returns the number of rows imported.
func (l *Local) Import(ctx context.Context, r io.Reader) (int, error) {
	ps, err := l.parseImport(ctx, r)
	if err != nil {
		return 0, err
	}
	if err := l.records.ImportPatients(ctx, ps); err != nil {
		return 0, fmt.Errorf("import patients: %w", err)
	}
	l.log.Info().Int("rows", len(ps)).Msg("patients imported")
	return len(ps), nil
}

func (l *Local) parseImport(ctx context.Context, r io.Reader) ([]Patient, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted below, with a clearer message
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, importError(1, fmt.Errorf("empty file: want the header %q", ImportHeader))
	}
	if err != nil {
		return nil, importError(1, fmt.Errorf("header: %w", csvProblem(err)))
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // a BOM from Excel
	}
	if got := strings.Join(header, ","); got != ImportHeader {
		return nil, importError(1, fmt.Errorf("header %q: want %q", got, ImportHeader))
	}
	now := l.clock.Now()
	var (
		ps        []Patient
		mrns      = map[string]int{} // MRN → line
		usernames = map[string]int{} // lower-cased username → line
	)
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, importError(pe.StartLine, csvProblem(err))
			}
			return nil, fmt.Errorf("import patients: read: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(row) != numColumns {
			return nil, importError(line, fmt.Errorf("%d columns, want %d", len(row), numColumns))
		}
		if len(ps) == maxImportRows {
			return nil, importError(line, fmt.Errorf("more than %d rows: split the file", maxImportRows))
		}
		p, code, err := l.parseRow(row)
		if err != nil {
			return nil, importError(line, err)
		}
		if prev, dup := mrns[p.MRN]; dup {
			return nil, importError(line, fmt.Errorf("mrn %q: already on line %d", p.MRN, prev))
		}
		mrns[p.MRN] = line
		if p.Username != "" {
			u := strings.ToLower(p.Username)
			if prev, dup := usernames[u]; dup {
				return nil, importError(line, fmt.Errorf("username %q: already on line %d", p.Username, prev))
			}
			usernames[u] = line
			taken, err := l.usernameTaken(ctx, p)
			if err != nil {
				return nil, fmt.Errorf("import patients: %w", err)
			}
			if taken {
				return nil, importError(line, fmt.Errorf("username %q: taken by another record", p.Username))
			}
		}
		if code != "" {
			if p.ActivationHash, err = hashActivationCode(code); err != nil {
				return nil, fmt.Errorf("import patients: %w", err)
			}
			p.ActivationExpires = now.Add(l.policy.ActivationTTL)
		}
		if p.RecordID, err = newRecordID(); err != nil {
			return nil, fmt.Errorf("import patients: %w", err)
		}
		p.CreatedAt, p.UpdatedAt = now, now
		ps = append(ps, p)
	}
	return ps, nil
}

// parseRow validates one CSV row. It returns the patient and the
// normalised activation code ("" when none).
func (l *Local) parseRow(row []string) (Patient, string, error) {
	for i := range row {
		row[i] = strings.TrimSpace(row[i])
		if !utf8.ValidString(row[i]) {
			return Patient{}, "", fmt.Errorf("column %d: not valid UTF-8", i+1)
		}
	}
	p := Patient{MRN: row[colMRN], FirstName: row[colFirstName], LastName: row[colLastName]}
	if p.MRN == "" || len(p.MRN) > maxMRNLen {
		return p, "", fmt.Errorf("mrn %q: want 1 to %d characters", p.MRN, maxMRNLen)
	}
	for _, name := range []struct{ col, v string }{{"first_name", p.FirstName}, {"last_name", p.LastName}} {
		if foldName(name.v) == "" || utf8.RuneCountInString(name.v) > maxNameLen {
			return p, "", fmt.Errorf("%s %q: want a name of at most %d characters", name.col, name.v, maxNameLen)
		}
	}
	var err error
	if p.DOB, err = parseDOB(row[colDOB], l.clock.Now()); err != nil {
		return p, "", err
	}
	if p.ZIP, err = parseZIP(row[colZIP]); err != nil {
		return p, "", err
	}
	if row[colEmail] != "" {
		if p.Email, err = parseEmail(row[colEmail]); err != nil {
			return p, "", err
		}
	}
	if row[colPhone] != "" {
		if p.Phone, err = NormalizePhone(row[colPhone]); err != nil {
			return p, "", err
		}
	}
	if p.Username = row[colUsername]; p.Username != "" && !validUsername(p.Username) {
		return p, "", fmt.Errorf("username %q: want 3 to 64 letters, digits or ._-@, starting with a letter or digit", p.Username)
	}
	switch s := bot.AccountStatus(row[colStatus]); s {
	case "", bot.AccountPending, bot.AccountActive, bot.AccountLocked, bot.AccountDisabled:
		p.Status = s
	default:
		return p, "", fmt.Errorf("status %q: want pending, active, locked or disabled", row[colStatus])
	}
	if (p.Status == bot.AccountActive || p.Status == bot.AccountLocked) && p.Username == "" {
		return p, "", fmt.Errorf("status %q: needs a username", p.Status)
	}
	code := NormalizeActivationCode(row[colActivationCode])
	if code != "" {
		if p.Status != "" && p.Status != bot.AccountPending {
			return p, "", fmt.Errorf("activation_code: only for pending accounts, not %q", p.Status)
		}
		if !validActivationCode(code) {
			return p, "", fmt.Errorf("activation_code: want %d to %d letters or digits", minActivationCodeLen, maxActivationCodeLen)
		}
	}
	return p, code, nil
}

// usernameTaken reports whether a record with another MRN has p's
// username.
func (l *Local) usernameTaken(ctx context.Context, p Patient) (bool, error) {
	other, err := l.records.PatientByUsername(ctx, p.Username)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up username: %w", err)
	}
	return other.MRN != p.MRN, nil
}

// importError is the EINVALID error for a bad line of an import file.
func importError(line int, err error) error {
	return &bot.Error{Code: bot.EINVALID, Message: fmt.Sprintf("line %d: %v", line, err)}
}

// csvProblem strips encoding/csv's own position prefix, since importError
// names the line.
func csvProblem(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// newRecordID returns a random record ID, "pt_" and 32 hex digits.
func newRecordID() (string, error) {
	b := make([]byte, recordIDBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new record id: %w", err)
	}
	return "pt_" + hex.EncodeToString(b), nil
}

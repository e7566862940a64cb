package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// csvHeader is the header `portico patients import` wants.
const csvHeader = "mrn,first_name,last_name,dob,zip,email,phone,username,activation_code,status"

// maxPatients bounds a synthetic file (the import takes at most 500,000
// rows at once).
const maxPatients = 500_000

// firstNames are common given names; with the generated last names and
// spread-out birth dates every patient is unique.
var firstNames = []string{
	"Ava", "Ben", "Cara", "Dan", "Eva", "Finn", "Gia", "Hugo", "Ivy", "Jack",
	"Kira", "Leo", "Mia", "Noah", "Opal", "Paul", "Quinn", "Rosa", "Sam", "Tara",
	"Uma", "Vic", "Wren", "Xena", "Yara", "Zane",
}

// Patient is one synthetic patient record.
type Patient struct {
	MRN, First, Last, DOB, ZIP, Email, Username string
}

// DOBUS is the date of birth as a patient types it, MM/DD/YYYY.
func (p Patient) DOBUS() string {
	t, err := time.Parse("2006-01-02", p.DOB)
	if err != nil {
		return p.DOB
	}
	return t.Format("01/02/2006")
}

// syntheticPatient makes patient i (0-based): unique last name (letters
// only, as names must be), MRN, username and email at example.org; the
// birth date walks one day at a time from 1940, so names and dates of
// birth are unique together as well.
func syntheticPatient(i int) Patient {
	var last strings.Builder
	last.WriteString("Load")
	n := i
	for k := 0; k < 4; k++ { // 26^4 = 456,976 distinct suffixes
		last.WriteByte(byte('a' + n%26))
		n /= 26
	}
	dob := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%23_000)
	return Patient{
		MRN:      fmt.Sprintf("LOAD-%06d", i),
		First:    firstNames[i%len(firstNames)],
		Last:     last.String(),
		DOB:      dob.Format("2006-01-02"),
		ZIP:      fmt.Sprintf("%05d", 10000+i%89_999),
		Email:    fmt.Sprintf("load.%06d@example.org", i),
		Username: fmt.Sprintf("load%06d", i),
	}
}

// writePatients writes n synthetic active patients as an import CSV.
func writePatients(w io.Writer, n int) error {
	if n <= 0 || n > maxPatients {
		return fmt.Errorf("patients: want 1 to %d, got %d", maxPatients, n)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(strings.Split(csvHeader, ",")); err != nil {
		return err
	}
	for i := range n {
		p := syntheticPatient(i)
		if err := cw.Write([]string{p.MRN, p.First, p.Last, p.DOB, p.ZIP, p.Email, "", p.Username, "", "active"}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// readPatients reads a CSV written by writePatients (or any import file),
// keeping the active patients with an email on file: those can reset a
// password by email.
func readPatients(r io.Reader) ([]Patient, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if strings.Join(header, ",") != csvHeader {
		return nil, fmt.Errorf("header %q: want %q", strings.Join(header, ","), csvHeader)
	}
	var out []Patient
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(row) != 10 || row[9] != "active" || row[5] == "" {
			continue
		}
		out = append(out, Patient{MRN: row[0], First: row[1], Last: row[2], DOB: row[3], ZIP: row[4], Email: row[5], Username: row[7]})
	}
}

// pool hands each patient record out once: a record's code-send limits
// (3 per 15 minutes) would otherwise stop its later dialogs.
type pool struct {
	ps   []Patient
	next atomic.Int64
}

// take returns the next unused record, or false when all are used.
func (p *pool) take() (Patient, bool) {
	i := p.next.Add(1) - 1
	if i >= int64(len(p.ps)) {
		return Patient{}, false
	}
	return p.ps[i], true
}

// used returns how many records were handed out.
func (p *pool) used() int { return int(min(p.next.Load(), int64(len(p.ps)))) }

func patientsCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("patients", flag.ContinueOnError)
	n := fs.Int("n", 20000, "number of synthetic patients")
	out := fs.String("out", "", "CSV file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return writePatients(w, *n)
}

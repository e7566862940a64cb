package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// seedRecord is one record of a -seed file, a JSON array:
//
//	[{"mrn": "A-1001", "first_name": "Ada", "last_name": "Lee", "dob": "1980-02-03",
//	  "zip": "02139", "email": "ada@example.org", "phone": "+12025550143",
//	  "username": "ada.lee", "password": "…", "status": "active"}]
//
// A known MRN is replaced. id is made up when absent; password, when
// given, is stored hashed.
type seedRecord struct {
	ID        string `json:"id"`
	MRN       string `json:"mrn"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	DOB       string `json:"dob"`
	ZIP       string `json:"zip"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	Status    string `json:"status"`
}

// seedFile adds or replaces the records of a seed file, all or nothing.
func (s *store) seedFile(ctx context.Context, path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var recs []seedRecord
	if err := json.Unmarshal(data, &recs); err != nil {
		return 0, fmt.Errorf("seed %s: %w", path, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for i, r := range recs {
		if r.MRN == "" || r.FirstName == "" || r.LastName == "" || r.DOB == "" || r.ZIP == "" {
			return 0, fmt.Errorf("seed %s: record %d: mrn, first_name, last_name, dob and zip are required", path, i+1)
		}
		if r.Status == "" {
			r.Status = "pending"
		}
		if r.ID == "" {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			r.ID = "rec-" + hex.EncodeToString(b)
		}
		var hash string
		var changed int64
		if r.Password != "" {
			if hash, err = hashPassword(r.Password); err != nil {
				return 0, err
			}
			changed = time.Now().Unix()
		}
		var username any
		if r.Username != "" {
			username = r.Username
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE mrn = ?`, r.MRN); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO records
			(id, mrn, first_name, last_name, dob, zip, email, phone, username, password_hash, password_changed_at, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.MRN, r.FirstName, r.LastName, r.DOB, r.ZIP, r.Email, r.Phone, username, hash, changed, r.Status); err != nil {
			return 0, fmt.Errorf("seed %s: record %d: %w", path, i+1, err)
		}
	}
	return len(recs), tx.Commit()
}

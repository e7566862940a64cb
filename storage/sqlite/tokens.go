package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// API tokens are kept only as the SHA-256 of the token: a copy of the
// database gives no one a usable token.

// CreateAPIToken stores a new token; its ID is made when empty.
func (db *DB) CreateAPIToken(ctx context.Context, t *staff.APIToken) error {
	if len(t.Hash) == 0 || t.Name == "" || len(t.Scopes) == 0 {
		return bot.Errorf(bot.EINVALID, "a token needs a name, a hash and a scope")
	}
	if t.ID == "" {
		t.ID = newID()[:12]
	}
	t.CreatedAt = orNow(t.CreatedAt).UTC()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO api_tokens (id, name, token_hash, scopes, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, t.ID, t.Name, t.Hash, strings.Join(t.Scopes, " "), t.CreatedBy,
			unixNanos(t.CreatedAt))
		return err
	})
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "a token with this ID already exists")
	}
	if err != nil {
		return fmt.Errorf("create API token: %w", err)
	}
	return nil
}

const tokenColumns = `id, name, token_hash, scopes, created_by, created_at, last_used_at, revoked_at`

func scanToken(row scanner) (staff.APIToken, error) {
	var t staff.APIToken
	var scopes string
	var created, used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &scopes, &t.CreatedBy, &created, &used, &revoked); err != nil {
		return staff.APIToken{}, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt, t.LastUsed, t.RevokedAt = fromNanos(created), fromNanos(used), fromNanos(revoked)
	return t, nil
}

// APITokenByHash returns the token with this SHA-256, revoked or not, or
// ENOTFOUND.
func (db *DB) APITokenByHash(ctx context.Context, hash []byte) (staff.APIToken, error) {
	t, err := scanToken(db.reader.QueryRowContext(ctx, `SELECT `+tokenColumns+`
		FROM api_tokens WHERE token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return staff.APIToken{}, bot.Errorf(bot.ENOTFOUND, "no such token")
	}
	if err != nil {
		return staff.APIToken{}, fmt.Errorf("load API token: %w", err)
	}
	return t, nil
}

// APITokens lists every token, revoked ones too, oldest first.
func (db *DB) APITokens(ctx context.Context) ([]staff.APIToken, error) {
	return queryAll(ctx, db, "list API tokens", scanToken, `SELECT `+tokenColumns+` FROM api_tokens
		ORDER BY created_at, id`)
}

// RevokeAPIToken revokes a token for good; ENOTFOUND if there is no such
// token, and revoking twice keeps the first time.
func (db *DB) RevokeAPIToken(ctx context.Context, id string, at time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`,
			unixNanos(orNow(at)), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return bot.Errorf(bot.ENOTFOUND, "no token %q", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	}
	return nil
}

// TouchAPIToken records that a token was used at at.
func (db *DB) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, unixNanos(orNow(at)), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("record API token use: %w", err)
	}
	return nil
}

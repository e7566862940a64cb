package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
)

// insertCode stores an issued code and voids the earlier active codes of
// the same conversation and purpose. A zero ID is generated, a zero
// CreatedAt set to now.
func insertCode(ctx context.Context, tx pgx.Tx, c *bot.Code, now time.Time) error {
	if c.ID == "" {
		c.ID = newID()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if len(c.Salt) == 0 || len(c.Hash) == 0 {
		return bot.Errorf(bot.EINVALID, "code has no salt or hash")
	}
	if _, err := tx.Exec(ctx, `UPDATE codes SET voided_at = $1
		WHERE conversation_id = $2 AND purpose = $3 AND used_at IS NULL AND voided_at IS NULL`,
		unixNanos(c.CreatedAt), c.ConversationID, c.Purpose); err != nil {
		return fmt.Errorf("void earlier codes: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO codes (id, conversation_id, purpose, subject, channel, salt,
		hash, expires_at, tries, used_at, voided_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11)`,
		c.ID, c.ConversationID, c.Purpose, c.Subject, c.Channel, c.Salt, c.Hash,
		unixNanos(c.ExpiresAt), c.Tries, nanos(c.UsedAt), unixNanos(c.CreatedAt)); err != nil {
		if isUniqueViolation(err) {
			return bot.Errorf(bot.ECONFLICT, "code id already used")
		}
		return fmt.Errorf("insert code: %w", err)
	}
	return nil
}

// ActiveCode returns the newest unused, unvoided code of a conversation and
// purpose, expired or not, or ENOTFOUND.
func (db *DB) ActiveCode(ctx context.Context, conversationID, purpose string) (*bot.Code, error) {
	var (
		c                    bot.Code
		expiresAt, createdAt int64
		usedAt               sql.NullInt64
	)
	err := db.pool.QueryRow(ctx, `SELECT id, conversation_id, purpose, subject, channel,
		salt, hash, expires_at, tries, used_at, created_at FROM codes
		WHERE conversation_id = $1 AND purpose = $2 AND used_at IS NULL AND voided_at IS NULL
		ORDER BY created_at DESC, ord DESC LIMIT 1`, conversationID, purpose).Scan(
		&c.ID, &c.ConversationID, &c.Purpose, &c.Subject, &c.Channel, &c.Salt, &c.Hash,
		&expiresAt, &c.Tries, &usedAt, &createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no active code")
	}
	if err != nil {
		return nil, fmt.Errorf("load active code: %w", err)
	}
	c.ExpiresAt, c.CreatedAt, c.UsedAt = fromUnix(expiresAt), fromUnix(createdAt), fromNanos(usedAt)
	return &c, nil
}

// AddCodeTry counts a wrong submission and returns the new count, or
// ENOTFOUND for an unknown code.
func (db *DB) AddCodeTry(ctx context.Context, codeID string) (int, error) {
	var tries int
	err := db.Write(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE codes SET tries = tries + 1 WHERE id = $1 RETURNING tries`, codeID).Scan(&tries)
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.Errorf(bot.ENOTFOUND, "no such code")
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count code try: %w", err)
	}
	return tries, nil
}

// ConsumeCode marks a code used. The check and the mark are one UPDATE:
// PostgreSQL makes a concurrent one wait for the first and then re-check
// its condition on the row the first wrote, so exactly one succeeds; the
// others, and any caller of a used, voided or unknown code, get ECONFLICT.
func (db *DB) ConsumeCode(ctx context.Context, codeID string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE codes SET used_at = $1
		WHERE id = $2 AND used_at IS NULL AND voided_at IS NULL`, unixNanos(orNow(at)), codeID)
	if err == nil && n == 0 {
		err = bot.Errorf(bot.ECONFLICT, "code already used or replaced")
	}
	if err != nil {
		return fmt.Errorf("consume code: %w", err)
	}
	return nil
}

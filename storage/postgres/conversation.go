package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
)

const conversationColumns = `id, status, resolution, locale, flow, flow_version, state, stack, slots,
	tries, misses, step, subject, verified_at, verified_by, resume_hash, last_seq, queue, reason,
	created_at, updated_at, agent, agent_name, queued_at, channel`

// CreateConversation stores a new conversation with c.ID set. A zero
// CreatedAt or UpdatedAt is set to the current time, an empty Channel to
// the web. An ID or resume hash already in use is an ECONFLICT error.
func (db *DB) CreateConversation(ctx context.Context, c *bot.Conversation) error {
	if c == nil || c.ID == "" {
		return bot.Errorf(bot.EINVALID, "conversation has no id")
	}
	created, updated := orNow(c.CreatedAt), orNow(c.UpdatedAt)
	c.Channel = cmp.Or(c.Channel, bot.ChannelWeb)
	a, err := conversationArgs(c, created, updated)
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	_, err = db.exec(ctx, `INSERT INTO conversations (`+conversationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
			$20, $21, $22, $23, $24, $25)`, a...)
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "conversation already exists")
	}
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = created, updated
	return nil
}

func conversationArgs(c *bot.Conversation, created, updated time.Time) ([]any, error) {
	stack, slots, err := encodeDialog(c)
	if err != nil {
		return nil, err
	}
	return []any{
		c.ID, string(c.Status), string(c.Resolution), c.Locale, c.Flow, c.FlowVersion, c.State,
		stack, slots, c.Tries, c.Misses, c.Step, c.Subject, nanos(c.VerifiedAt),
		c.VerifiedBy, nullBytes(c.ResumeHash), c.LastSeq, c.Queue, c.Reason,
		unixNanos(created), unixNanos(updated), c.Agent, c.AgentName, nanos(c.QueuedAt), c.Channel,
	}, nil
}

func encodeDialog(c *bot.Conversation) (stack, slots string, err error) {
	frames := c.Stack
	if frames == nil {
		frames = []bot.Frame{}
	}
	if stack, err = jsonText(frames); err != nil {
		return "", "", fmt.Errorf("stack: %w", err)
	}
	values := c.Slots
	if values == nil {
		values = map[string]string{}
	}
	if slots, err = jsonText(values); err != nil {
		return "", "", fmt.Errorf("slots: %w", err)
	}
	return stack, slots, nil
}

// updateConversation replaces the stored state of c, which must exist.
func updateConversation(ctx context.Context, tx pgx.Tx, c *bot.Conversation, lastSeq int64, updated time.Time) error {
	stack, slots, err := encodeDialog(c)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE conversations SET status = $1, resolution = $2, locale = $3, flow = $4,
		flow_version = $5, state = $6, stack = $7, slots = $8, tries = $9, misses = $10, step = $11,
		subject = $12, verified_at = $13, verified_by = $14, resume_hash = $15, last_seq = $16, queue = $17,
		reason = $18, updated_at = $19, agent = $20, agent_name = $21, queued_at = $22 WHERE id = $23`,
		string(c.Status), string(c.Resolution), c.Locale, c.Flow, c.FlowVersion, c.State,
		stack, slots, c.Tries, c.Misses, c.Step, c.Subject, nanos(c.VerifiedAt), c.VerifiedBy,
		nullBytes(c.ResumeHash), lastSeq, c.Queue, c.Reason, unixNanos(updated),
		c.Agent, c.AgentName, nanos(c.QueuedAt), c.ID)
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "resume token already in use")
	}
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return bot.Errorf(bot.ENOTFOUND, "no such conversation")
	}
	return nil
}

// Conversation returns a conversation by ID, or an ENOTFOUND error.
func (db *DB) Conversation(ctx context.Context, id string) (*bot.Conversation, error) {
	c, err := scanConversation(db.pool.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	return c, nil
}

// ConversationByResume finds a conversation by its resume token's hash, or
// returns ENOTFOUND.
func (db *DB) ConversationByResume(ctx context.Context, resumeHash []byte) (*bot.Conversation, error) {
	if len(resumeHash) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such conversation")
	}
	c, err := scanConversation(db.pool.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE resume_hash = $1`, resumeHash))
	if err != nil {
		return nil, fmt.Errorf("load conversation by resume token: %w", err)
	}
	return c, nil
}

// OpenConversationsIdleSince returns the IDs of conversations that are not
// closed and were last updated before t, least recently updated first.
func (db *DB) OpenConversationsIdleSince(ctx context.Context, t time.Time) ([]string, error) {
	return queryAll(ctx, db.pool, "list idle conversations", scanString, `SELECT id FROM conversations
		WHERE status <> 'closed' AND updated_at < $1 ORDER BY updated_at, id`, unixNanos(t))
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

func scanConversation(row scanner) (*bot.Conversation, error) {
	var (
		c                    bot.Conversation
		status, resolution   string
		stack, slots         sql.NullString
		verifiedAt, queuedAt sql.NullInt64
		createdAt, updatedAt int64
	)
	err := row.Scan(&c.ID, &status, &resolution, &c.Locale, &c.Flow, &c.FlowVersion, &c.State,
		&stack, &slots, &c.Tries, &c.Misses, &c.Step, &c.Subject, &verifiedAt, &c.VerifiedBy,
		&c.ResumeHash, &c.LastSeq, &c.Queue, &c.Reason, &createdAt, &updatedAt,
		&c.Agent, &c.AgentName, &queuedAt, &c.Channel)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such conversation")
	}
	if err != nil {
		return nil, err
	}
	c.Status, c.Resolution = bot.Status(status), bot.Resolution(resolution)
	c.VerifiedAt, c.QueuedAt = fromNanos(verifiedAt), fromNanos(queuedAt)
	c.CreatedAt, c.UpdatedAt = fromUnix(createdAt), fromUnix(updatedAt)
	if err := fromJSON(stack, &c.Stack); err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	if err := fromJSON(slots, &c.Slots); err != nil {
		return nil, fmt.Errorf("slots: %w", err)
	}
	if len(c.Stack) == 0 {
		c.Stack = nil
	}
	if c.Slots == nil {
		c.Slots = map[string]string{}
	}
	return &c, nil
}

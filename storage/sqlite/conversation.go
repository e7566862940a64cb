package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
)

const conversationColumns = `id, status, resolution, locale, flow, flow_version, state, stack, slots,
	tries, misses, step, subject, verified_at, verified_by, resume_hash, last_seq, queue, reason,
	created_at, updated_at, agent, agent_name, queued_at, channel`

// CreateConversation stores a new conversation with c.ID set. A zero
// CreatedAt or UpdatedAt is set to the current time, an empty Channel to
// the web; the channel never changes after. An ID or resume hash
// already in use is an ECONFLICT error.
func (db *DB) CreateConversation(ctx context.Context, c *bot.Conversation) error {
	if c == nil || c.ID == "" {
		return bot.Errorf(bot.EINVALID, "conversation has no id")
	}
	created, updated := orNow(c.CreatedAt), orNow(c.UpdatedAt)
	c.Channel = cmp.Or(c.Channel, bot.ChannelWeb)
	args, err := conversationArgs(c, created, updated)
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		_, err := (cachedTx{tx, db.wstmts}).Exec(`INSERT INTO conversations (`+conversationColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		return err
	})
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "conversation already exists")
	}
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = created, updated
	return nil
}

// conversationArgs are c's values in conversationColumns order.
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

// encodeDialog encodes the stack and slots as JSON, never as null.
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

// updateConversation replaces the stored state of c, which must exist, with
// lastSeq as its highest message seq. created_at never changes.
func updateConversation(tx dbtx, c *bot.Conversation, lastSeq int64, updated time.Time) error {
	stack, slots, err := encodeDialog(c)
	if err != nil {
		return err
	}
	res, err := tx.Exec(`UPDATE conversations SET status = ?, resolution = ?, locale = ?, flow = ?,
		flow_version = ?, state = ?, stack = ?, slots = ?, tries = ?, misses = ?, step = ?,
		subject = ?, verified_at = ?, verified_by = ?, last_seq = ?, queue = ?,
		reason = ?, updated_at = ?, agent = ?, agent_name = ?, queued_at = ? WHERE id = ?`,
		string(c.Status), string(c.Resolution), c.Locale, c.Flow, c.FlowVersion, c.State,
		stack, slots, c.Tries, c.Misses, c.Step, c.Subject, nanos(c.VerifiedAt), c.VerifiedBy,
		lastSeq, c.Queue, c.Reason, unixNanos(updated),
		c.Agent, c.AgentName, nanos(c.QueuedAt), c.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return bot.Errorf(bot.ENOTFOUND, "no such conversation")
	}
	// Apart, and only when it changed: SQLite rewrites an index entry for
	// every indexed column an UPDATE sets, changed or not, and the resume
	// token's unique index is keyed by a hash, a page anywhere in the file.
	// Most turns keep the token.
	hash := nullBytes(c.ResumeHash)
	_, err = tx.Exec(`UPDATE conversations SET resume_hash = ? WHERE id = ? AND resume_hash IS NOT ?`, hash, c.ID, hash)
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "resume token already in use")
	}
	return err
}

// Conversation returns a conversation by ID, or an ENOTFOUND error.
func (db *DB) Conversation(ctx context.Context, id string) (*bot.Conversation, error) {
	row := db.rstmts.queryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id)
	c, err := scanConversation(row)
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
	row := db.reader.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE resume_hash = ?`, resumeHash)
	c, err := scanConversation(row)
	if err != nil {
		return nil, fmt.Errorf("load conversation by resume token: %w", err)
	}
	return c, nil
}

// OpenConversationsIdleSince returns the IDs of conversations that are not
// closed and were last updated before t, least recently updated first.
func (db *DB) OpenConversationsIdleSince(ctx context.Context, t time.Time) ([]string, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id FROM conversations
		WHERE status != 'closed' AND updated_at < ? ORDER BY updated_at, id`, unixNanos(t))
	if err != nil {
		return nil, fmt.Errorf("list idle conversations: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list idle conversations: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list idle conversations: %w", err)
	}
	return ids, nil
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
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such conversation")
	}
	if err != nil {
		return nil, err
	}
	c.Status, c.Resolution = bot.Status(status), bot.Resolution(resolution)
	c.VerifiedAt, c.QueuedAt = fromNanos(verifiedAt), fromNanos(queuedAt)
	c.CreatedAt, c.UpdatedAt = time.Unix(0, createdAt).UTC(), time.Unix(0, updatedAt).UTC()
	if err := fromJSON(stack, &c.Stack); err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	if err := fromJSON(slots, &c.Slots); err != nil {
		return nil, fmt.Errorf("slots: %w", err)
	}
	// Round trips are stable: no frames is a nil stack, no slots an empty
	// (writable) map.
	if len(c.Stack) == 0 {
		c.Stack = nil
	}
	if c.Slots == nil {
		c.Slots = map[string]string{}
	}
	return &c, nil
}

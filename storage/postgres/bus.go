package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

var _ bot.Bus = (*Bus)(nil)

// Reconnection of the listener: the first wait, doubled up to the most.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

// Bus carries the engine's notices between nodes with LISTEN/NOTIFY
// (bot.Bus). A notice is a few ids and a seq, well under NOTIFY's 8000
// bytes; nothing is replayed to a listener that was away, which is why
// receivers read the rows and clients resume by seq.
//
// The channel is named after the schema, so that databases' schemas (and
// tests running side by side) never hear each other.
type Bus struct {
	pool    *pgxpool.Pool
	channel string
	log     zerolog.Logger
}

// NewBus returns the bus of the schema pool's connections use. Publish
// uses the pool; Listen opens a connection of its own.
func NewBus(ctx context.Context, pool *pgxpool.Pool, log zerolog.Logger) (*Bus, error) {
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("bus: read the schema: %w", err)
	}
	sum := sha256.Sum256([]byte(schema))
	return &Bus{pool: pool, channel: "portico_" + hex.EncodeToString(sum[:8]), log: log}, nil
}

// notice is a bot.Notice on the wire, in short keys.
type notice struct {
	Node string `json:"n"`
	Kind string `json:"k"`
	Conv string `json:"c,omitempty"`
	Flow string `json:"fl,omitempty"`
	Seq  int64  `json:"s,omitempty"`
	From string `json:"f,omitempty"`
	On   bool   `json:"o,omitempty"`
	Desk bool   `json:"d,omitempty"`
}

// Publish sends n to every node listening, this one included.
func (b *Bus) Publish(ctx context.Context, n bot.Notice) error {
	payload, err := json.Marshal(notice{Node: n.Node, Kind: string(n.Kind), Conv: n.Conversation, Flow: n.Flow, Seq: n.Seq,
		From: string(n.From), On: n.On, Desk: n.Desk})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if _, err := b.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, b.channel, string(payload)); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// Listen calls fn with every notice until ctx ends, on a connection of its
// own, reconnecting after a failure (what was published meanwhile is
// lost: see Bus). It returns nil when ctx ends.
func (b *Bus) Listen(ctx context.Context, fn func(bot.Notice)) error {
	wait := listenRetryMin
	for ctx.Err() == nil {
		heard, err := b.listen(ctx, fn)
		if ctx.Err() != nil {
			break
		}
		if heard {
			wait = listenRetryMin
		}
		b.log.Warn().Err(err).Dur("retry_in", wait).Msg("bus: listener lost; reconnecting")
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
	return nil
}

// listen serves one connection until it fails; heard says whether it
// got as far as listening.
func (b *Bus) listen(ctx context.Context, fn func(bot.Notice)) (heard bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, b.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		return false, err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		var w notice
		if err := json.Unmarshal([]byte(n.Payload), &w); err != nil {
			b.log.Warn().Err(err).Msg("bus: unreadable notice")
			continue
		}
		fn(bot.Notice{Node: w.Node, Kind: bot.NoticeKind(w.Kind), Conversation: w.Conv, Flow: w.Flow, Seq: w.Seq,
			From: bot.From(w.From), On: w.On, Desk: w.Desk})
	}
}

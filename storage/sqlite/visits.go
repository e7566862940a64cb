package sqlite

import (
	"fmt"

	"github.com/portico-chat/portico/bot"
)

var _ bot.VisitRecorder = (*DB)(nil)

// RecordsVisits reports that Commit stores a turn's state visits (in
// state_visits, for the analytics funnel).
func (db *DB) RecordsVisits() bool { return true }

// insertVisits appends a turn's state visits, in order.
func insertVisits(tx dbtx, conversationID string, visits []bot.Visit, now int64) error {
	for _, v := range visits {
		at := now
		if !v.At.IsZero() {
			at = unixNanos(v.At)
		}
		if _, err := tx.Exec(`INSERT INTO state_visits (conversation_id, flow, state, at) VALUES (?, ?, ?, ?)`,
			conversationID, v.Flow, v.State, at); err != nil {
			return fmt.Errorf("insert state visit: %w", err)
		}
	}
	return nil
}

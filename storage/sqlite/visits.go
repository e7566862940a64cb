package sqlite

import (
	"fmt"
	"strings"

	"github.com/portico-chat/portico/bot"
)

var _ bot.VisitRecorder = (*DB)(nil)

// RecordsVisits reports that Commit stores a turn's state visits (in
// state_visits, for the analytics funnel).
func (db *DB) RecordsVisits() bool { return true }

// insertVisitsSQL[n] inserts n state visits in one statement.
var insertVisitsSQL = func() []string {
	out := make([]string, 9)
	for n := 1; n < len(out); n++ {
		out[n] = `INSERT INTO state_visits (conversation_id, flow, state, at) VALUES (?, ?, ?, ?)` +
			strings.Repeat(", (?, ?, ?, ?)", n-1)
	}
	return out
}()

// insertVisits appends a turn's state visits, in order, in as few
// statements as insertVisitsSQL allows (a turn enters one to a few states).
func insertVisits(tx dbtx, conversationID string, visits []bot.Visit, now int64) error {
	for len(visits) > 0 {
		n := min(len(visits), len(insertVisitsSQL)-1)
		args := make([]any, 0, 4*n)
		for _, v := range visits[:n] {
			at := now
			if !v.At.IsZero() {
				at = unixNanos(v.At)
			}
			args = append(args, conversationID, v.Flow, v.State, at)
		}
		if _, err := tx.Exec(insertVisitsSQL[n], args...); err != nil {
			return fmt.Errorf("insert state visit: %w", err)
		}
		visits = visits[n:]
	}
	return nil
}

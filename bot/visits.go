package bot

import "time"

// Visit is one entry of a conversation into a flow state. The analytics
// funnel (docs/analytics.md) counts how many conversations reached each
// state and where they stopped. It names a flow and a state, never an
// answer.
type Visit struct {
	Flow  string
	State string
	At    time.Time
}

// VisitRecorder is implemented by a Store whose Commit keeps Turn.Visits,
// in the same transaction as the rest of the turn. The engine collects
// visits only for such a store, so a store without the table pays nothing.
type VisitRecorder interface {
	// RecordsVisits reports whether Commit stores Turn.Visits.
	RecordsVisits() bool
}

// visit notes that the turn entered a state, when the store keeps visits.
func (t *turn) visit(flow, state string) {
	if r, ok := t.e.store.(VisitRecorder); !ok || !r.RecordsVisits() {
		return
	}
	t.out.Visits = append(t.out.Visits, Visit{Flow: flow, State: state, At: t.now})
}

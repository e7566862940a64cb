package bot

import "context"

// syncWithTurnKey marks a context as a turn's (WithTurnSync).
type syncWithTurnKey struct{}

// WithTurnSync marks ctx as the context of a turn that ends in a
// Store.Commit. A store may then commit the writes made with it before the
// turn's Commit (attempt reservations and releases, code tries, a consumed
// code, a new conversation, a directory change) without waiting for an
// fsync of their own: they are visible to every other writer and reader at
// once, so limits stay atomic, and the turn's Commit, which is always
// durable, makes them durable with it. Nothing a patient is told depends
// on such a write before the turn's Commit has returned, so a crash in
// between loses both the write and the answer that came of it. A store
// that does not look at the mark (PostgreSQL) stays correct, only slower.
//
// Store.Commit itself is durable whatever its context says.
func WithTurnSync(ctx context.Context) context.Context {
	return context.WithValue(ctx, syncWithTurnKey{}, true)
}

// SyncsWithTurn reports whether ctx was marked by WithTurnSync.
func SyncsWithTurn(ctx context.Context) bool {
	v, _ := ctx.Value(syncWithTurnKey{}).(bool)
	return v
}

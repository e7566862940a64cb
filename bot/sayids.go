package bot

import (
	"context"
	"fmt"
)

// ClientIDStore is an optional Store capability: every say id stored in a
// conversation (patients' and agents'), with its message's seq. With it the
// engine deduplicates says from memory: it reads a live conversation's ids
// once, at its first say, instead of looking each say up in the store.
type ClientIDStore interface {
	ClientIDs(ctx context.Context, conversationID string) (map[string]int64, error)
}

// storedSeq reports the seq of the message stored with say id in l's
// conversation. The ids are read from the store at the conversation's first
// say (not at load: an idle conversation never pays for them) and kept up
// to date by commit; the conversation lock guarantees that no say is
// committed in between. Without a ClientIDStore, or when reading the ids
// failed, each say is looked up in the store. l.mu must be held.
func (e *Engine) storedSeq(ctx context.Context, l *live, id string) (int64, bool, error) {
	if !l.idsLoaded {
		if s, ok := e.store.(ClientIDStore); ok {
			ids, err := s.ClientIDs(ctx, l.conv.ID)
			if err == nil {
				l.ids, l.idsLoaded = ids, true
			} else {
				e.log.Warn().Err(err).Str("conversation", l.conv.ID).Msg("read say ids; looking the say up instead")
			}
		}
	}
	if l.idsLoaded {
		seq, ok := l.ids[id]
		return seq, ok, nil
	}
	m, err := e.store.MessageByClientID(ctx, l.conv.ID, id)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("dedup say: %w", err)
	}
	return m.Seq, true, nil
}

// rememberSays adds the say ids of messages just committed. l.mu must be
// held.
func (l *live) rememberSays(msgs []Message) {
	if !l.idsLoaded {
		return
	}
	for i := range msgs {
		if id := msgs[i].ClientID; id != "" {
			if l.ids == nil {
				l.ids = map[string]int64{}
			}
			l.ids[id] = msgs[i].Seq
		}
	}
}

// forgetSays drops the ids, so that the next say reads them from the store
// again: after a commit was refused as a conflict, the store knows a say
// this entry does not. l.mu must be held.
func (l *live) forgetSays() {
	l.ids, l.idsLoaded = nil, false
}

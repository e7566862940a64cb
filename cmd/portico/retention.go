package main

import (
	"context"
	"time"

	"github.com/portico-chat/portico/bot"
)

// purgeInterval is how often the retention job runs.
const purgeInterval = 6 * time.Hour

// attemptRetention is how long failure and send counts are kept: longer
// than any window that reads them (a day), short enough that client IPs do
// not pile up. A record's own failures (no IP) are kept until a success or
// staff clear them, so a hard lock never lapses by itself.
const attemptRetention = 30 * 24 * time.Hour

// purge runs the retention job at start and every purgeInterval until ctx
// is done. Audit rows are never deleted here (docs/storage.md).
func (a *App) purge(ctx context.Context) error {
	tick := time.NewTicker(purgeInterval)
	defer tick.Stop()
	for {
		if a.holdLease(ctx, "retention", purgeInterval*3/2) { // one node purges; another takes over if it dies
			a.purgeOnce(ctx, time.Now().UTC())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// purgeOnce deletes what retention says is due at now: the transcripts of
// conversations closed longer ago than retention.transcripts, the
// conversations nobody wrote in (retention.silent_conversations), old
// attempt counts and idempotency keys, and expired console sessions.
func (a *App) purgeOnce(ctx context.Context, now time.Time) {
	cutoff := now.Add(-a.cfg.Transcripts)
	n, err := a.DB.PurgeTranscripts(ctx, cutoff)
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.Error().Err(err).Msg("purge transcripts")
	case n > 0:
		a.log.Info().Int("messages", n).Time("before", cutoff).Msg("purged transcripts")
	}
	silent := now.Add(-a.cfg.SilentConversations)
	n, err = a.DB.PurgeSilentConversations(ctx, silent)
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.Error().Err(err).Msg("purge silent conversations")
	case n > 0:
		a.log.Info().Int("conversations", n).Time("before", silent).Msg("purged conversations nobody wrote in")
	}
	old := now.Add(-attemptRetention)
	if _, err := a.DB.PurgeAttempts(ctx, old, bot.RecordFailureKind); err != nil && ctx.Err() == nil {
		a.log.Error().Err(err).Msg("purge attempts")
	}
	if _, err := a.DB.PurgeDirectoryKeys(ctx, old); err != nil && ctx.Err() == nil {
		a.log.Error().Err(err).Msg("purge idempotency keys")
	}
	if _, err := a.DB.PurgeSessions(ctx, now, a.cfg.Console.SessionIdle); err != nil && ctx.Err() == nil {
		a.log.Error().Err(err).Msg("purge console sessions")
	}
}

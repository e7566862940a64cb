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

// purge deletes, until ctx is done, the transcripts of conversations that
// closed longer ago than the retention period, and old attempt counts and
// idempotency keys. Audit rows are never deleted here (docs/storage.md).
func (a *App) purge(ctx context.Context) error {
	tick := time.NewTicker(purgeInterval)
	defer tick.Stop()
	for {
		cutoff := time.Now().UTC().Add(-a.cfg.Transcripts)
		n, err := a.DB.PurgeTranscripts(ctx, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Error().Err(err).Msg("purge transcripts")
		case n > 0:
			a.log.Info().Int("messages", n).Time("before", cutoff).Msg("purged transcripts")
		}
		old := time.Now().UTC().Add(-attemptRetention)
		if _, err := a.DB.PurgeAttempts(ctx, old, bot.RecordFailureKind); err != nil && ctx.Err() == nil {
			a.log.Error().Err(err).Msg("purge attempts")
		}
		if _, err := a.DB.PurgeDirectoryKeys(ctx, old); err != nil && ctx.Err() == nil {
			a.log.Error().Err(err).Msg("purge idempotency keys")
		}
		if _, err := a.DB.PurgeSessions(ctx, time.Now().UTC(), a.cfg.Console.SessionIdle); err != nil && ctx.Err() == nil {
			a.log.Error().Err(err).Msg("purge console sessions")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

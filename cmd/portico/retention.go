package main

import (
	"context"
	"time"
)

// purgeInterval is how often the retention job runs.
const purgeInterval = 6 * time.Hour

// purge deletes, until ctx is done, the transcripts of conversations that
// closed longer ago than the retention period. Audit rows are never
// deleted here (see docs/storage.md).
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
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

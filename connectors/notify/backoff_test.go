package notify_test

import (
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/notify"
)

func TestExponentialBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		ceiling time.Duration // the delay before jitter
	}{
		{0, 2 * time.Second},
		{1, 2 * time.Second},
		{2, 4 * time.Second},
		{3, 8 * time.Second},
		{6, 64 * time.Second},
		{9, 512 * time.Second},
		{10, 10 * time.Minute},
		{1000, 10 * time.Minute},
	}
	for _, tt := range tests {
		seen := make(map[time.Duration]bool)
		for range 50 {
			d := notify.ExponentialBackoff(tt.attempt)
			if d < max(tt.ceiling/2, notify.MinBackoff) || d > tt.ceiling {
				t.Fatalf("attempt %d: got %v, want within [%v, %v]", tt.attempt, d, max(tt.ceiling/2, notify.MinBackoff), tt.ceiling)
			}
			seen[d] = true
		}
		if tt.ceiling > notify.MinBackoff && len(seen) < 2 {
			t.Errorf("attempt %d: 50 draws all gave %v, want jitter", tt.attempt, seen)
		}
	}
}

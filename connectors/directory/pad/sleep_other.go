//go:build !unix

package pad

import "time"

// sleepPrecisely falls back to time.Sleep where nanosleep(2) is missing;
// padding is then accurate to about a millisecond.
func sleepPrecisely(d time.Duration) {
	if d > 0 {
		time.Sleep(d)
	}
}

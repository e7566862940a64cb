//go:build unix

package pad

import (
	"syscall"
	"time"
)

// sleepPrecisely sleeps d with nanosleep(2): the kernel's high-resolution
// timer ends it within tens of microseconds, whatever the fraction of a
// millisecond. It blocks the OS thread (the runtime lends the goroutine's
// processor to others meanwhile), which is why only the last preciseSpan
// of a wait is slept this way.
func sleepPrecisely(d time.Duration) {
	for d > 0 {
		ts := syscall.NsecToTimespec(int64(d))
		start := time.Now()
		if err := syscall.Nanosleep(&ts, nil); err == nil {
			return
		}
		d -= time.Since(start) // interrupted by a signal: sleep the rest
	}
}

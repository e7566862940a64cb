// Package password is Portico's one home for passwords: argon2id hashing
// on a bounded pool of low-priority threads, the one dummy hash compared
// when there is no real one, and the password policy (length, blocklist,
// context words, patterns, zxcvbn strength). The local directory, staff
// sign-in and the portal bridge's reference server use it.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Argon2id parameters: OWASP's recommended minimum (m=19 MiB, t=2, p=1).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16

	// Upper bounds accepted when reading a stored hash, so a corrupt or
	// hostile row cannot make one check allocate gigabytes or spin for
	// minutes.
	argonMaxMemoryKiB = 1024 * 1024
	argonMaxTime      = 16
	argonMaxThreads   = 16
)

// hashSlots is a process-wide semaphore bounding the argon2 calls running
// at once to one per CPU: each holds argonMemoryKiB and a whole core, so
// more at once only queue inside the scheduler while holding memory, and
// a burst of resets must not exhaust either. A burst waits here, in a
// queue the metrics show (Stats), not in the kernel's run queue beside the
// engine's threads.
var hashSlots = make(chan struct{}, runtime.NumCPU())

// HashConcurrency is how many password hashes may run at once. Each holds
// a scheduler P while it runs, so a server gives its other goroutines
// that many Ps more (cmd/portico serve raises GOMAXPROCS by it).
func HashConcurrency() int { return cap(hashSlots) }

// HashMemoryBytes is what the running hashes can hold at most: each
// argon2id call allocates its m KiB at once (x/crypto/argon2 takes no
// buffer to reuse, so it is a fresh allocation every time, freed by the
// next garbage collection). A memory limit for the runtime must leave room
// for it (cmd/portico serve).
func HashMemoryBytes() int64 { return int64(HashConcurrency()) * argonMemoryKiB * 1024 }

// PoolStats describes the hashing pool (Stats).
type PoolStats struct {
	Slots   int   // hashes that may run at once
	Running int   // hashes running now
	Queued  int   // hashes waiting for a slot now
	Hashes  int64 // hashes started since the process began
	// Wait is the time hashes spent queued for a slot, in all; with Hashes
	// it gives the average wait.
	Wait time.Duration
	// MaxQueued is the longest the queue has been.
	MaxQueued int
	// Worker is the hashing worker's process id (StartWorker), 0 without
	// one; InProcess counts the hashes run here while it was down.
	Worker    int
	InProcess int64
}

var pool struct {
	running, queued, maxQueued atomic.Int64
	hashes, waitNanos          atomic.Int64
	inProcess                  atomic.Int64
}

// Stats returns the hashing pool's state and counters (the queue length
// and the time spent waiting are metrics: connectors/metrics).
func Stats() PoolStats {
	return PoolStats{
		Slots: HashConcurrency(), Running: int(pool.running.Load()), Queued: int(pool.queued.Load()),
		Hashes: pool.hashes.Load(), Wait: time.Duration(pool.waitNanos.Load()), MaxQueued: int(pool.maxQueued.Load()),
		Worker: WorkerPID(), InProcess: pool.inProcess.Load(),
	}
}

// Hash hashes pw with argon2id and a 16-byte random salt, returning
// a PHC string ($argon2id$v=19$m=19456,t=2,p=1$salt$hash). The password is
// NFKC-normalised first, so the same password typed on another device
// (composed or decomposed accents, full-width letters) still matches.
func Hash(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	key := argonKey([]byte(norm.NFKC.String(pw)), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Matches reports whether pw matches the PHC string phc made by
// Hash (with these or other argon2id parameters). The comparison is
// constant time; a malformed phc never matches.
func Matches(phc, pw string) bool {
	p, err := parsePHC(phc)
	if err != nil {
		return false
	}
	key := argonKey([]byte(norm.NFKC.String(pw)), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

// argonKey runs argon2id on an OS thread of its own with a lower CPU
// priority (see lowerThreadPriority), so that while hashes keep every core
// busy the kernel still runs other patients' turns first; the thread ends
// with the hash. docs/performance.md has the numbers.
//
// With a worker process (StartWorker), the hash runs there instead.
func argonKey(pw, salt []byte, passes, memory uint32, threads uint8, keyLen uint32) []byte {
	release := acquireSlot()
	defer release()
	if w := theWorker.Load(); w != nil {
		key, err := w.key(pw, salt, passes, memory, threads, keyLen)
		if err == nil {
			return key
		}
		pool.inProcess.Add(1) // the worker is down: hash here rather than fail
	}
	key := make(chan []byte, 1)
	go func() {
		// Never unlocked: the goroutine's exit ends the thread, so the
		// lowered priority never leaks to other goroutines.
		runtime.LockOSThread()
		lowerThreadPriority()
		key <- idKey(pw, salt, passes, memory, threads, keyLen)
	}()
	return <-key
}

// idKey is argon2.IDKey; a test replaces it to hold hashes in their slots.
var idKey = argon2.IDKey

// acquireSlot waits for a hashing slot, counting the queue and the wait,
// and returns the function that gives it back.
func acquireSlot() (release func()) {
	start := time.Now()
	select {
	case hashSlots <- struct{}{}: // a free slot: no wait
	default:
		q := pool.queued.Add(1)
		for m := pool.maxQueued.Load(); q > m && !pool.maxQueued.CompareAndSwap(m, q); m = pool.maxQueued.Load() {
		}
		hashSlots <- struct{}{}
		pool.queued.Add(-1)
		pool.waitNanos.Add(int64(time.Since(start)))
	}
	pool.running.Add(1)
	pool.hashes.Add(1)
	return func() {
		pool.running.Add(-1)
		<-hashSlots
	}
}

// phc is a parsed argon2id PHC string. Parse errors never quote the input:
// it may be a secret put in the wrong place.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parsePHC(s string) (phc, error) {
	var p phc
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, fmt.Errorf("parse password hash: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, fmt.Errorf("parse password hash: unsupported version")
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil {
		return p, fmt.Errorf("parse password hash: bad parameters")
	}
	if p.memory == 0 || p.memory > argonMaxMemoryKiB || p.time == 0 || p.time > argonMaxTime ||
		threads == 0 || threads > argonMaxThreads {
		return p, fmt.Errorf("parse password hash: parameters out of range")
	}
	p.threads = uint8(threads)
	var err error
	b64 := base64.RawStdEncoding
	if p.salt, err = b64.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, fmt.Errorf("parse password hash: bad salt")
	}
	if p.key, err = b64.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, fmt.Errorf("parse password hash: bad key")
	}
	return p, nil
}

// Dummy returns a valid hash of a random password, made once per process.
// Compare against it when there is no real hash (an unknown account, a
// locked one, one without a password), so that a sign-in costs the same
// whatever the account's state.
func Dummy() string { return dummy() }

var dummy = sync.OnceValue(func() string {
	pw := make([]byte, 32)
	_, _ = rand.Read(pw) // rand.Read never fails on supported platforms
	h, err := Hash(string(pw))
	if err != nil {
		panic(fmt.Sprintf("password: dummy hash: %v", err))
	}
	return h
})

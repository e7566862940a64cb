package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot/password"
)

// serveGCPercent is the collector's pace for portico serve when GOGC is
// not set. Each password hash allocates 19 MiB at once (x/crypto/argon2
// cannot reuse a buffer), so at Go's default of 100 a burst of resets
// drives a collection every three or four hashes, and every collection
// stops the engine's goroutines twice. At 400 a collection comes about
// every fourteen hashes (password's BenchmarkHashGC: 0.26 → 0.07 per
// hash); the memory limit below bounds the larger heap that buys.
const serveGCPercent = 400

// tuneGC sets the collector's pace and a soft memory limit for the
// server, unless GOGC or GOMEMLIMIT are set in the environment (which the
// runtime has then applied). The limit is three quarters of the memory
// the process may use (the cgroup's limit, else the machine's), never
// less than the running hashes' memory plus 256 MiB.
func tuneGC(log zerolog.Logger) {
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		debug.SetGCPercent(serveGCPercent)
		gogc = strconv.Itoa(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if avail := availableMemory(); avail > 0 {
			limit := max(avail/4*3, password.HashMemoryBytes()+256<<20)
			debug.SetMemoryLimit(limit)
		}
	}
	log.Debug().Str("gogc", gogc).Int64("memory_limit", debug.SetMemoryLimit(-1)). // -1 reads it
											Int("gomaxprocs", runtime.GOMAXPROCS(0)).Msg("runtime")
}

// availableMemory is the memory this process may use: the cgroup (v2)
// limit when there is one, else MemTotal; 0 when neither can be read.
func availableMemory() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			if total := memTotal(); total > 0 {
				return min(n, total)
			}
			return n
		}
	}
	return memTotal()
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

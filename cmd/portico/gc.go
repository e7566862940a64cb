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

// tuneGC sets a soft memory limit for the server, unless GOMEMLIMIT is set
// in the environment (which the runtime has then applied). The limit is
// three quarters of the memory the process may use (the cgroup's limit,
// else the machine's), never less than the running hashes' memory plus
// 256 MiB. The collector keeps Go's pace (GOGC=100 unless set): a pace of
// 400 made fewer collections per password hash (BenchmarkHashGC 0.26 →
// 0.07) but raised an idle socket's memory from 16 to 20 KiB in the same
// run and bought no measurable turn or reset figure (docs/performance.md).
func tuneGC(log zerolog.Logger) {
	if os.Getenv("GOMEMLIMIT") == "" {
		if avail := availableMemory(); avail > 0 {
			limit := max(avail/4*3, password.HashMemoryBytes()+256<<20)
			debug.SetMemoryLimit(limit)
		}
	}
	limit := debug.SetMemoryLimit(-1) // -1 reads it
	log.Debug().Str("gogc", os.Getenv("GOGC")).Int64("memory_limit", limit).
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

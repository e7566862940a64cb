package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat CPU times (100 on
// every Linux platform Go supports).
const clockTicks = 100

// statsTimeout bounds one /debug/stats request (a forced GC included).
const statsTimeout = 30 * time.Second

// ServerStats is what /debug/stats answers (cmd/portico's Stats, and the
// echo baselines' subset).
type ServerStats struct {
	PID        int    `json:"pid"`
	Goroutines int    `json:"goroutines"`
	Sockets    int    `json:"sockets"`
	RSSBytes   int64  `json:"rss_bytes"`
	HeapInuse  uint64 `json:"heap_inuse"`
	StackInuse uint64 `json:"stack_inuse"`
	DBCommits  int64  `json:"db_commits"`
	DBWrites   int64  `json:"db_writes"`
	DBSyncs    int64  `json:"db_syncs"`
	// The WAL's fsyncs by duration (SQLite), in buckets up to these bounds.
	DBSyncTimes     []int64   `json:"db_sync_times"`
	DBSyncBucketsMs []float64 `json:"db_sync_buckets_ms"`
	// The server's password hashing pool.
	Hashes          int64   `json:"hashes"`
	HashMaxQueued   int     `json:"hash_max_queued"`
	HashWaitSeconds float64 `json:"hash_wait_seconds"`
	HashWorkerPID   int     `json:"hash_worker_pid"` // its CPU is the server's too
	GCForced        bool    `json:"gc_forced"`
	NumGC           uint32  `json:"num_gc"`
}

// fetchStats reads base/debug/stats; with gc the server collects garbage
// and returns memory to the OS first (rate-limited to once a second, so
// it waits and asks again if the answer says it did not).
func fetchStats(ctx context.Context, base *url.URL, gc bool) (ServerStats, error) {
	u := *base
	u.Path = "/debug/stats"
	if gc {
		u.RawQuery = "gc=1"
	}
	var s ServerStats
	for try := 0; try < 3; try++ {
		ctx, cancel := context.WithTimeout(ctx, statsTimeout)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			return s, fmt.Errorf("server stats: %w", err)
		}
		err = json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		cancel()
		if resp.StatusCode != http.StatusOK {
			return s, fmt.Errorf("server stats: %s (is the server in demo mode?)", resp.Status)
		}
		if err != nil {
			return s, fmt.Errorf("server stats: %w", err)
		}
		if !gc || s.GCForced {
			break
		}
		time.Sleep(time.Second) // the GC is rate-limited; a bounded retry
	}
	if rss, err := procRSS(s.PID); err == nil {
		s.RSSBytes = rss // from the outside, as the issue asks
	}
	return s, nil
}

// procRSS reads VmRSS of a local process.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) >= 2 && string(f[0]) == "VmRSS:" {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// procCPU returns a local process's user plus system CPU time.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// cpuMeter measures the CPU use of processes (a server, or every node of
// one) over an interval.
type cpuMeter struct {
	pids  []int
	cpu   time.Duration
	start time.Time
}

func startCPU(pids ...int) cpuMeter {
	m := cpuMeter{pids: pids, start: time.Now()}
	m.cpu, _ = m.used()
	return m
}

func (m cpuMeter) used() (time.Duration, error) {
	var sum time.Duration
	for _, pid := range m.pids {
		c, err := procCPU(pid)
		if err != nil {
			return 0, err
		}
		sum += c
	}
	return sum, nil
}

// percent is the CPU used since start, in percent of one core.
func (m cpuMeter) percent() float64 {
	c, err := m.used()
	el := time.Since(m.start)
	if err != nil || el <= 0 {
		return 0
	}
	return float64(c-m.cpu) / float64(el) * 100
}

// syncPercentile is the bucket bound below which p of the fsyncs between
// before and after took (the last bucket's bound doubled for longer ones),
// 0 without counts.
func syncPercentile(before, after ServerStats, p float64) float64 {
	b := after.DBSyncBucketsMs
	if len(b) == 0 || len(after.DBSyncTimes) != len(b)+1 {
		return 0
	}
	diff := make([]int64, len(after.DBSyncTimes))
	var total int64
	for i := range diff {
		diff[i] = after.DBSyncTimes[i]
		if i < len(before.DBSyncTimes) {
			diff[i] -= before.DBSyncTimes[i]
		}
		total += diff[i]
	}
	if total == 0 {
		return 0
	}
	need := int64(float64(total)*p + 0.5)
	var seen int64
	for i, n := range diff {
		seen += n
		if seen >= need {
			if i < len(b) {
				return b[i]
			}
			return 2 * b[len(b)-1]
		}
	}
	return 2 * b[len(b)-1]
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/storage/sqlite"
)

// Debug endpoints. /debug/stats is served by the main listener in demo mode
// (the load generator reads it) and by the debug listener; pprof only by
// the debug listener, which exists only when debug.addr is set.
const (
	debugStatsPath = "/debug/stats"
	// minGCInterval rate-limits the forced collection /debug/stats?gc=1
	// asks for, so the endpoint cannot be used to burn the server's CPU.
	minGCInterval = time.Second
	// statsGCs is how many collections ?gc=1 runs: each halves at most the
	// stacks that use under a quarter of their size, so a few in a row
	// show the steady state an idle server reaches over its periodic GCs.
	statsGCs               = 4
	debugReadHeaderTimeout = 5 * time.Second
	debugShutdownTimeout   = 2 * time.Second
)

// Stats is what /debug/stats reports: the process's memory and goroutines
// and the database writer's counters. It holds no patient data.
type Stats struct {
	PID        int    `json:"pid"`
	Goroutines int    `json:"goroutines"`
	Sockets    int    `json:"sockets"`     // open patient sockets
	RSSBytes   int64  `json:"rss_bytes"`   // VmRSS from /proc/self/status; 0 where there is none
	HeapInuse  uint64 `json:"heap_inuse"`  // bytes in in-use heap spans
	StackInuse uint64 `json:"stack_inuse"` // bytes of goroutine stacks
	Sys        uint64 `json:"sys"`         // bytes obtained from the OS
	NumGC      uint32 `json:"num_gc"`
	GCForced   bool   `json:"gc_forced"`  // this answer follows a forced collection
	DBCommits  int64  `json:"db_commits"` // group commits (transactions)
	DBWrites   int64  `json:"db_writes"`  // writes (turns and others) committed
	DBSyncs    int64  `json:"db_syncs"`   // fsyncs of the WAL, each covering one or more commits
	// DBSyncTimes counts the WAL's fsyncs by duration, in buckets up to
	// DBSyncBucketsMs (the last: longer).
	DBSyncTimes     []int64   `json:"db_sync_times,omitempty"`
	DBSyncBucketsMs []float64 `json:"db_sync_buckets_ms,omitempty"`
	// The password hashing pool (password.Stats).
	Hashes          int64   `json:"hashes"`
	HashQueued      int     `json:"hash_queued"`
	HashMaxQueued   int     `json:"hash_max_queued"`
	HashWaitSeconds float64 `json:"hash_wait_seconds"` // queued for a slot, in all
	HashWorkerPID   int     `json:"hash_worker_pid"`   // the hashing worker process, 0 for none
	HashInProcess   int64   `json:"hash_in_process"`   // hashes run here while the worker was down
	CPUs            int     `json:"cpus"`
	GoVersion       string  `json:"go_version"`
}

// statsHandler serves Stats as JSON. With ?gc=1 it first runs a full
// collection and returns freed memory to the OS (at most once per
// minGCInterval), so RSS after a load step can be compared with before.
func (a *App) statsHandler() http.Handler {
	var mu sync.Mutex
	var lastGC time.Time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forced := false
		if r.URL.Query().Get("gc") == "1" {
			mu.Lock()
			if time.Since(lastGC) >= minGCInterval {
				for range statsGCs {
					runtime.GC()
				}
				debug.FreeOSMemory()
				lastGC, forced = time.Now(), true
			}
			mu.Unlock()
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		var db sqlite.WriteStats // group commit: SQLite's only
		if s, ok := a.DB.(*sqlite.DB); ok {
			db = s.Stats()
		}
		pw := password.Stats()
		s := Stats{
			PID: os.Getpid(), Goroutines: runtime.NumGoroutine(), Sockets: a.Web.OpenSockets(),
			RSSBytes: selfRSS(), HeapInuse: m.HeapInuse, StackInuse: m.StackInuse, Sys: m.Sys,
			NumGC: m.NumGC, GCForced: forced, DBCommits: db.Commits, DBWrites: db.Writes, DBSyncs: db.Syncs,
			DBSyncTimes: db.SyncTimes,
			Hashes:      pw.Hashes, HashQueued: pw.Queued, HashMaxQueued: pw.MaxQueued, HashWaitSeconds: pw.Wait.Seconds(),
			HashWorkerPID: pw.Worker, HashInProcess: pw.InProcess,
			CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		}
		if len(s.DBSyncTimes) > 0 {
			s.DBSyncBucketsMs = sqlite.SyncBucketsMs[:]
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(s)
	})
}

// selfRSS reads the process's resident set from /proc/self/status.
func selfRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == "VmRSS:" {
			kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// listenDebug opens the debug listener (pprof and /debug/stats) when
// debug.addr is set. It is off by default: profiles reveal internals and
// cost CPU, so bind it to loopback.
func (a *App) listenDebug() error {
	addr := a.cfg.DebugAddr
	if addr == "" {
		return nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug.addr: %w", err)
	}
	if host, _, _ := net.SplitHostPort(l.Addr().String()); !net.ParseIP(host).IsLoopback() {
		a.log.Warn().Str("addr", l.Addr().String()).Msg("debug listener is not on a loopback address: profiles reveal internals")
	}
	a.debugL = l
	return nil
}

// serveDebug serves the debug listener, if there is one, and returns the
// function that stops it.
func (a *App) serveDebug() (stop func()) {
	l := a.debugL
	if l == nil {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("GET "+debugStatsPath, a.statsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: debugReadHeaderTimeout}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error().Err(err).Msg("debug listener")
		}
	}()
	a.log.Info().Str("addr", l.Addr().String()).Msg("debug listener (pprof, /debug/stats)")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), debugShutdownTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
}

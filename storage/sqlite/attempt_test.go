package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/sqlite"
)

func TestPurgeAttempts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 4 {
		if err := db.AddAttempt(ctx, "verify.ip", "203.0.113.7", at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatalf("AddAttempt: %v", err)
		}
	}
	n, err := db.PurgeAttempts(ctx, at.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeAttempts: got %d, %v; want 2", n, err)
	}
	if left, _ := db.CountAttempts(ctx, "verify.ip", "203.0.113.7", time.Time{}); left != 2 {
		t.Errorf("after purge: got %d attempts, want the 2 newer ones", left)
	}
}

// reserveDBEnv tells the test binary, re-executed as a child, to take part
// in TestReserveHoldsAcrossProcesses against the named database.
const reserveDBEnv = "PORTICO_RESERVE_DB"

// Numbers of TestReserveHoldsAcrossProcesses: each process reserves from
// reserveWorkers goroutines, reserveEach times each; together they pass
// the limit, alone neither would.
const (
	reserveWorkers = 8
	reserveEach    = 25
	reserveLimit   = 300
)

// reserveBurst makes reserveWorkers×reserveEach reservations, from
// concurrent goroutines, against one limited key and returns how many were
// recorded.
func reserveBurst(db *sqlite.DB, at time.Time) (int, error) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok      int
		lastErr error
	)
	for range reserveWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range reserveEach {
				_, reserved, err := db.Reserve(context.Background(), bot.Reservation{
					Kind: "verify_fail_ip", Key: "203.0.113.50", At: at,
					Windows: []bot.Window{{Since: at.Add(-time.Hour), Max: reserveLimit}},
				})
				mu.Lock()
				if err != nil {
					lastErr = err
				} else if reserved {
					ok++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ok, lastErr
}

// TestReserveHoldsAcrossProcesses: two processes sharing one database file
// reserve against the same limit at the same time; exactly the limit gets
// through, not the limit per process.
func TestReserveHoldsAcrossProcesses(t *testing.T) {
	if path := os.Getenv(reserveDBEnv); path != "" {
		return // the child's side is TestReserveChild
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "portico.db")
	db := openPath(t, path)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

	child := exec.Command(os.Args[0], "-test.run=^TestReserveChild$")
	child.Env = append(os.Environ(), reserveDBEnv+"="+path)
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatalf("start the second process: %v", err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("second process said %q, want ready", lines.Text())
	}
	stdin.Close() // go
	mine, err := reserveBurst(db, at)
	if err != nil {
		t.Fatalf("reserve: %v", err)
	}
	var theirs int
	for lines.Scan() {
		if _, err := fmt.Sscanf(lines.Text(), "reserved %d", &theirs); err == nil {
			break
		}
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("second process: %v", err)
	}
	t.Logf("recorded: %d by this process, %d by the other", mine, theirs)
	if mine+theirs != reserveLimit {
		t.Errorf("%d + %d reservations recorded by two processes, want exactly %d in all", mine, theirs, reserveLimit)
	}
	if n, _ := db.CountAttempts(context.Background(), "verify_fail_ip", "203.0.113.50", time.Time{}); n != reserveLimit {
		t.Errorf("%d attempts stored, want %d", n, reserveLimit)
	}
}

// TestReserveChild is the second process of TestReserveHoldsAcrossProcesses.
func TestReserveChild(t *testing.T) {
	path := os.Getenv(reserveDBEnv)
	if path == "" {
		t.Skip("run by TestReserveHoldsAcrossProcesses")
	}
	db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) // wait for the parent's go
	n, err := reserveBurst(db, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("reserved %d\n", n)
}

package password

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// startTestWorker runs this test binary as the hashing worker (its
// package init turns it into one).
func startTestWorker(t *testing.T) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	stop, err := StartWorker(exe)
	if err != nil {
		t.Fatalf("StartWorker: %v", err)
	}
	t.Cleanup(stop)
}

func TestWorkerHashesAsInProcess(t *testing.T) {
	inProcess, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	startTestWorker(t)
	if WorkerPID() == 0 || WorkerPID() == os.Getpid() {
		t.Fatalf("worker pid %d", WorkerPID())
	}
	before := Stats().InProcess
	byWorker, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !Matches(inProcess, "correct horse battery staple") || Matches(inProcess, "correct horse battery stapler") {
		t.Error("the worker does not check a hash made in process")
	}
	if got := Stats().InProcess; got != before {
		t.Fatalf("%d hashes ran in process with the worker up", got-before)
	}
	theWorker.Store(nil) // in process again, for the other way round
	if !Matches(byWorker, "correct horse battery staple") {
		t.Error("a hash made by the worker does not check in process")
	}
}

// TestWorkerRunsAtLowPriority: every thread of the worker, including the
// ones its runtime starts for the hash's goroutines, runs at hashNice.
func TestWorkerRunsAtLowPriority(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("needs /proc (Linux)")
	}
	startTestWorker(t)
	var wg sync.WaitGroup
	for range 4 { // hashes at once make the worker's runtime start threads
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := Hash("correct horse battery staple"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	pid := WorkerPID()
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 2 {
		t.Fatalf("worker has %d threads", len(tasks))
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", task.Name(), "stat"))
		if err != nil {
			continue // the thread ended
		}
		// Fields after the command's closing parenthesis: nice is the 17th.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if nice, _ := strconv.Atoi(fields[16]); nice != hashNice {
			t.Errorf("worker thread %s runs at nice %d, want %d", task.Name(), nice, hashNice)
		}
	}
}

// TestWorkerComesBack: a worker killed mid-burst costs no hash (they run
// in process meanwhile), and the next hash after the restart delay starts
// a new one.
func TestWorkerComesBack(t *testing.T) {
	startTestWorker(t)
	first := WorkerPID()
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	phc, err := Hash("correct horse battery staple")
	if err != nil || !Matches(phc, "correct horse battery staple") {
		t.Fatalf("hash while the worker was down: %v", err)
	}
	w := theWorker.Load()
	w.mu.Lock()
	w.lastFail = w.lastFail.Add(-workerRestartDelay) // no need to wait the delay out
	w.mu.Unlock()
	before := Stats().InProcess
	if _, err := Hash("correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	if second := WorkerPID(); second == 0 || second == first {
		t.Fatalf("worker pid %d after the restart (was %d)", second, first)
	}
	if Stats().InProcess != before {
		t.Error("the hash after the restart ran in process")
	}
}

func TestWorkerRefusesBadRequests(t *testing.T) {
	good := hashRequest(7, []byte("pw"), []byte("saltsaltsaltsalt"), 2, 19*1024, 1, 32)[4+8:]
	for name, body := range map[string][]byte{
		"empty":              {},
		"unknown kind":       {9, 0, 0},
		"short":              {kindHash, 1, 2, 3},
		"huge memory":        hashRequest(7, []byte("pw"), []byte("saltsaltsaltsalt"), 2, argonMaxMemoryKiB+1, 1, 32)[4+8:],
		"password runs over": append(append([]byte{}, good[:14]...), 0xff, 0xff, 0, 0),
		"estimate cut short": estimateRequest(7, "pw", []string{"olivia", "active"})[4+8 : 4+8+12],
	} {
		if _, err := parseRequest(body); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := parseRequest(good); err != nil {
		t.Errorf("a good hash request: %v", err)
	}
}

// TestWorkerEstimatesAsInProcess: the strength estimate made by the worker
// is zxcvbn's, with the patient's words counted.
func TestWorkerEstimatesAsInProcess(t *testing.T) {
	startTestWorker(t)
	w := theWorker.Load()
	for _, tt := range []struct {
		pw      string
		context []string
	}{
		{"tulip harbor seven lanterns", nil},
		{"olivia1985", []string{"olivia", "active"}},
		{"password", nil},
	} {
		got, err := w.estimate(tt.pw, tt.context)
		if err != nil {
			t.Fatal(err)
		}
		if want := zxcvbnScore(tt.pw, tt.context); got != want {
			t.Errorf("%q: worker's score %d, in process %d", tt.pw, got, want)
		}
	}
	if score, _ := w.estimate("olivia1985", []string{"olivia"}); score >= minStrengthScore {
		t.Errorf("the patient's own name made a strong password (score %d)", score)
	}
}

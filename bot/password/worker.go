package password

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// Hashing in a child process. x/crypto/argon2 computes a hash's segments
// on goroutines of its own, which the Go scheduler runs on any thread of
// the process; so a low-priority thread for the hash does not keep the
// work there, and a burst of resets took the engine's cores as an equal.
// Its 19 MiB per hash also paced the server's garbage collector. A worker
// process at a low priority (every one of its threads, hashNice) does the
// hashing instead: the kernel runs the server's threads first, the server's
// heap never sees argon2's memory, and whatever cycles the server leaves
// idle go to hashes.
//
// The worker is the same executable started with workerEnv set: this
// package's init turns such a process into a worker (worker_serve.go)
// before any main runs, so it works for the portico binary and for test
// binaries alike. The pool's slots (acquireSlot) still bound the hashes in
// flight and measure the queue; the worker runs what it is given.
//
// If the worker cannot be started or dies, hashes run in process (as
// before) until it is back: a reset must not fail because of it.

// workerEnv marks a process started as the hashing worker.
const workerEnv = "PORTICO_INTERNAL_HASH_WORKER"

// workerRestartDelay bounds how often a dead worker is started again.
const workerRestartDelay = time.Second

// workerReadyTimeout bounds how long a new worker has to say it is ready.
const workerReadyTimeout = 10 * time.Second

var theWorker atomic.Pointer[worker]

// StartWorker starts hashing in a child process running exe (normally
// os.Executable()), and returns the function that stops it. Until stop,
// Hash and Matches use the worker, falling back to hashing in process
// while it is down.
func StartWorker(exe string) (stop func(), err error) {
	w := &worker{exe: exe}
	if err := w.start(); err != nil {
		return nil, err
	}
	theWorker.Store(w)
	return func() {
		theWorker.CompareAndSwap(w, nil)
		w.close()
	}, nil
}

// WorkerPID is the worker's process id, 0 when none is running.
func WorkerPID() int {
	w := theWorker.Load()
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.proc == nil {
		return 0
	}
	return w.proc.cmd.Process.Pid
}

var errWorkerDown = errors.New("hashing worker is not running")

// worker is the parent's side: requests go out on the child's stdin,
// numbered; a reader goroutine hands each answer to its waiter.
type worker struct {
	exe string

	mu       sync.Mutex
	proc     *workerProc // nil while down
	next     uint64
	closed   bool
	lastFail time.Time
}

type workerProc struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	wmu     sync.Mutex // one frame at a time on in
	pmu     sync.Mutex // guards pending
	pending map[uint64]chan []byte
	dead    bool
}

// start runs a new child and waits for its ready frame. Callers hold mu
// or own w alone.
func (w *worker) start() error {
	cmd := exec.Command(w.exe)
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("hashing worker: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("hashing worker: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start hashing worker: %w", err)
	}
	p := &workerProc{cmd: cmd, in: in, pending: map[uint64]chan []byte{}}
	r := bufio.NewReader(out)
	ready := make(chan error, 1)
	go func() {
		id, _, err := readFrame(r)
		if err == nil && id != readyID {
			err = fmt.Errorf("first frame %d, want the ready frame", id)
		}
		ready <- err
		if err == nil {
			p.read(r)
		}
	}()
	select {
	case err = <-ready:
	case <-time.After(workerReadyTimeout):
		err = errors.New("no ready frame in time")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("start hashing worker: %w", err)
	}
	w.proc = p
	return nil
}

// read hands answers to their waiters until the child's output ends; then
// every waiter hears that the worker is gone.
func (p *workerProc) read(r *bufio.Reader) {
	for {
		id, key, err := readFrame(r)
		if err != nil {
			break
		}
		p.pmu.Lock()
		ch := p.pending[id]
		delete(p.pending, id)
		p.pmu.Unlock()
		if ch != nil {
			ch <- key
		}
	}
	p.pmu.Lock()
	p.dead = true
	for id, ch := range p.pending {
		close(ch)
		delete(p.pending, id)
	}
	p.pmu.Unlock()
	_ = p.cmd.Wait()
}

// key asks the worker for an argon2id key.
func (w *worker) key(pw, salt []byte, passes, memory uint32, threads uint8, keyLen uint32) ([]byte, error) {
	key, err := w.call(func(id uint64) []byte { return hashRequest(id, pw, salt, passes, memory, threads, keyLen) })
	if err == nil && len(key) != int(keyLen) {
		err = errWorkerDown
	}
	return key, err
}

// estimate asks the worker for zxcvbn's score of pw.
func (w *worker) estimate(pw string, context []string) (int, error) {
	answer, err := w.call(func(id uint64) []byte { return estimateRequest(id, pw, context) })
	if err == nil && len(answer) != 1 {
		err = errWorkerDown
	}
	if err != nil {
		return 0, err
	}
	return int(answer[0]), nil
}

// call sends the request frame made for its number and waits for the
// answer.
func (w *worker) call(frame func(id uint64) []byte) ([]byte, error) {
	p, id, err := w.running()
	if err != nil {
		return nil, err
	}
	ch := make(chan []byte, 1)
	p.pmu.Lock()
	if p.dead {
		p.pmu.Unlock()
		return nil, errWorkerDown
	}
	p.pending[id] = ch
	p.pmu.Unlock()

	b := frame(id)
	p.wmu.Lock()
	_, err = p.in.Write(b)
	p.wmu.Unlock()
	clear(b) // it held the password
	if err != nil {
		p.pmu.Lock()
		delete(p.pending, id)
		p.pmu.Unlock()
		return nil, fmt.Errorf("hashing worker: %w", err)
	}
	answer, ok := <-ch
	if !ok {
		return nil, errWorkerDown
	}
	return answer, nil
}

// running returns the running child and a request number, starting a new
// child if the last one died (at most once per workerRestartDelay).
func (w *worker) running() (*workerProc, uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, 0, errWorkerDown
	}
	if w.proc != nil {
		w.proc.pmu.Lock()
		dead := w.proc.dead
		w.proc.pmu.Unlock()
		if dead {
			w.proc = nil
		}
	}
	if w.proc == nil {
		if time.Since(w.lastFail) < workerRestartDelay {
			return nil, 0, errWorkerDown
		}
		if err := w.start(); err != nil {
			w.lastFail = time.Now()
			return nil, 0, err
		}
	}
	w.next++
	return w.proc, w.next, nil
}

// close ends the child: its stdin closes, it finishes and exits.
func (w *worker) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.proc != nil {
		_ = w.proc.in.Close()
		w.proc = nil
	}
}

// The frames, little-endian, each preceded by its length (u32). A
// request: id u64, kind u8, then for a hash passes u32, memory u32,
// threads u8, keyLen u32, the password and the salt; for an estimate the
// password and the context words (u32 count). Byte strings are a u32
// length and the bytes. An answer: id u64 and the key, or the score as one
// byte. The ready frame is an answer with readyID and nothing after.
const (
	readyID       = 0
	maxFrameBytes = 1 << 16

	kindHash     = 1
	kindEstimate = 2

	maxContextWords = 64
)

func hashRequest(id uint64, pw, salt []byte, passes, memory uint32, threads uint8, keyLen uint32) []byte {
	b := requestHead(id, kindHash, 4+4+1+4+4+len(pw)+4+len(salt))
	b = binary.LittleEndian.AppendUint32(b, passes)
	b = binary.LittleEndian.AppendUint32(b, memory)
	b = append(b, threads)
	b = binary.LittleEndian.AppendUint32(b, keyLen)
	b = appendBytes(b, pw)
	b = appendBytes(b, salt)
	return sealFrame(b)
}

func estimateRequest(id uint64, pw string, context []string) []byte {
	context = context[:min(len(context), maxContextWords)]
	n := 4 + len(pw) + 4
	for _, c := range context {
		n += 4 + len(c)
	}
	b := requestHead(id, kindEstimate, n)
	b = appendBytes(b, []byte(pw))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(context)))
	for _, c := range context {
		b = appendBytes(b, []byte(c))
	}
	return sealFrame(b)
}

func requestHead(id uint64, kind byte, rest int) []byte {
	b := make([]byte, 4, 4+8+1+rest)
	b = binary.LittleEndian.AppendUint64(b, id)
	return append(b, kind)
}

func appendBytes(b, field []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(field)))
	return append(b, field...)
}

// sealFrame writes the frame's length in front.
func sealFrame(b []byte) []byte {
	binary.LittleEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func writeAnswer(w io.Writer, id uint64, key []byte) error {
	b := make([]byte, 4, 4+8+len(key))
	b = binary.LittleEndian.AppendUint64(b, id)
	b = append(b, key...)
	binary.LittleEndian.PutUint32(b, uint32(len(b)-4))
	_, err := w.Write(b)
	return err
}

// readFrame reads a frame and returns its id and the rest.
func readFrame(r *bufio.Reader) (uint64, []byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, nil, err
	}
	n := binary.LittleEndian.Uint32(head[:])
	if n < 8 || n > maxFrameBytes {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, nil, err
	}
	return binary.LittleEndian.Uint64(b), b[8:], nil
}

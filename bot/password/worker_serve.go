package password

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/crypto/argon2"
)

// A process started with workerEnv set is a hashing worker from here on:
// it never reaches main. (The variable is dropped at once, so that nothing
// the worker might start inherits it.)
func init() {
	if os.Getenv(workerEnv) != "1" {
		return
	}
	os.Unsetenv(workerEnv)
	if err := serveWorker(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "portico hashing worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveWorker lowers the whole process's priority, says it is ready, and
// answers requests until in ends; each request runs on a goroutine of its
// own (the parent's slots bound how many are in flight).
func serveWorker(in io.Reader, out io.Writer) error {
	lowerProcessPriority()
	var wmu sync.Mutex
	bw := bufio.NewWriter(out)
	send := func(id uint64, key []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		if err := writeAnswer(bw, id, key); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := send(readyID, nil); err != nil {
		return err
	}
	r := bufio.NewReader(in)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		id, body, err := readFrame(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		req, err := parseRequest(body)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := argon2.IDKey(req.pw, req.salt, req.passes, req.memory, req.threads, req.keyLen)
			clear(req.pw)
			_ = send(id, key) // a broken pipe: the parent is gone, and in ends too
		}()
	}
}

type hashRequest struct {
	pw, salt               []byte
	passes, memory, keyLen uint32
	threads                uint8
}

// parseRequest reads a request's body after its id, within the bounds a
// stored hash may ask for (parsePHC's).
func parseRequest(b []byte) (hashRequest, error) {
	var q hashRequest
	if len(b) < 4+4+1+4+4 {
		return q, errors.New("short request")
	}
	le := binary.LittleEndian
	q.passes, q.memory, q.threads, q.keyLen = le.Uint32(b), le.Uint32(b[4:]), b[8], le.Uint32(b[9:])
	b = b[13:]
	var ok bool
	if q.pw, b, ok = lengthPrefixed(b); !ok {
		return q, errors.New("bad password field")
	}
	if q.salt, _, ok = lengthPrefixed(b); !ok {
		return q, errors.New("bad salt field")
	}
	if q.passes < 1 || q.passes > argonMaxTime || q.memory < 8 || q.memory > argonMaxMemoryKiB ||
		q.threads < 1 || q.threads > argonMaxThreads || q.keyLen < 16 || q.keyLen > 64 {
		return q, errors.New("parameters out of bounds")
	}
	return q, nil
}

func lengthPrefixed(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

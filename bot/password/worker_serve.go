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
		run, err := parseRequest(body)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = send(id, run()) // a broken pipe: the parent is gone, and in ends too
		}()
	}
}

// parseRequest reads a request's body after its id and returns the work
// it asks for. A hash's parameters must be within the bounds a stored hash
// may ask for (parsePHC's).
func parseRequest(b []byte) (run func() []byte, err error) {
	if len(b) < 1 {
		return nil, errors.New("empty request")
	}
	kind, b := b[0], b[1:]
	switch kind {
	case kindHash:
		return parseHash(b)
	case kindEstimate:
		return parseEstimate(b)
	}
	return nil, fmt.Errorf("request of kind %d", kind)
}

func parseHash(b []byte) (func() []byte, error) {
	if len(b) < 4+4+1+4 {
		return nil, errors.New("short hash request")
	}
	le := binary.LittleEndian
	passes, memory, threads, keyLen := le.Uint32(b), le.Uint32(b[4:]), b[8], le.Uint32(b[9:])
	b = b[13:]
	pw, b, ok := lengthPrefixed(b)
	if !ok {
		return nil, errors.New("bad password field")
	}
	salt, _, ok := lengthPrefixed(b)
	if !ok {
		return nil, errors.New("bad salt field")
	}
	if passes < 1 || passes > argonMaxTime || memory < 8 || memory > argonMaxMemoryKiB ||
		threads < 1 || threads > argonMaxThreads || keyLen < 16 || keyLen > 64 {
		return nil, errors.New("parameters out of bounds")
	}
	return func() []byte {
		key := argon2.IDKey(pw, salt, passes, memory, threads, keyLen)
		clear(pw)
		return key
	}, nil
}

func parseEstimate(b []byte) (func() []byte, error) {
	pw, b, ok := lengthPrefixed(b)
	if !ok || len(b) < 4 {
		return nil, errors.New("bad password field")
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	if n > maxContextWords {
		return nil, errors.New("too many context words")
	}
	context := make([]string, 0, n)
	for range n {
		var word []byte
		if word, b, ok = lengthPrefixed(b); !ok {
			return nil, errors.New("bad context word")
		}
		context = append(context, string(word))
	}
	return func() []byte {
		score := zxcvbnScore(string(pw), context)
		clear(pw)
		return []byte{byte(score)}
	}, nil
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

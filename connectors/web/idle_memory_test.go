package web

import (
	"bytes"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// idleSockets is how many patient sockets TestIdlePatientSocketMemory
// holds: enough that the server's fixed costs vanish in the average.
const idleSockets = 400

// What an idle patient socket may cost the server (docs/performance.md,
// issue 15's ≤ 16 KiB RSS per socket): its reader goroutine's stack, which
// the collector can shrink to 4 KiB only while that goroutine, blocked in
// gorilla's read, uses under 1,248 bytes of it; and its heap, here with
// the test's fake engine (no conversation state) and the raw clients'
// own connections included.
const (
	maxIdleStackPerSocket = 5 << 10
	maxIdleHeapPerSocket  = 7 << 10
)

// Idle patient sockets over real TCP, each after hello and an unsolicited
// pong (so gorilla's read loop has handled a control frame and blocks
// again, as after every ping), measured with runtime.ReadMemStats after
// enough collections to shrink the readers' stacks. Before the reader was
// split (readFrames) each idle patient held an 8 KiB stack (here 8,192 and
// 8,274 B, against 4,096 after); before the socket lost its own context
// its heap held that context, its Done channel and the map of its
// children (here 7,311 and 7,332 B, against 6,717 and 6,799 after: the
// heap bound is a guard against growth more than a sharp line).
func TestIdlePatientSocketMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of sockets")
	}
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, func(c *Config) { c.MaxConnsPerIP = 2 * idleSockets },
		func(s *Server) { s.log = s.log.Level(zerolog.InfoLevel) }) // the test's log is kept in memory
	addr := strings.TrimPrefix(ts.base, "http://")

	before := settledMemStats()
	goroutines := runtime.NumGoroutine()
	conns := make([]net.Conn, 0, idleSockets)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range idleSockets {
		c := rawPatient(t, addr, ts.origin)
		conns = append(conns, c)
		<-eng.attached
	}
	// net/http's goroutine for each connection ends after the handler
	// returns; nothing signals it, so wait (bounded) until only the
	// readers are left.
	deadline := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > goroutines+idleSockets {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want at most %d", runtime.NumGoroutine(), goroutines+idleSockets)
		}
		time.Sleep(time.Millisecond)
	}
	after := settledMemStats()

	stack := (float64(after.StackInuse) - float64(before.StackInuse)) / idleSockets
	heap := (float64(after.HeapInuse) - float64(before.HeapInuse)) / idleSockets
	t.Logf("per idle patient socket: stack %.0f B, heap %.0f B (%d sockets)", stack, heap, idleSockets)
	if stack > maxIdleStackPerSocket {
		t.Errorf("stack %.0f B per idle socket, want at most %d", stack, maxIdleStackPerSocket)
	}
	if heap > maxIdleHeapPerSocket {
		t.Errorf("heap %.0f B per idle socket, want at most %d", heap, maxIdleHeapPerSocket)
	}
}

// settledMemStats collects until stacks have shrunk as far as they go
// (each collection halves a stack at most once) and returns the stats.
func settledMemStats() runtime.MemStats {
	var m runtime.MemStats
	for range 6 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m
}

// rawPatient opens a patient socket with a hand-written handshake (so the
// client's side costs a net.Conn and no more), says hello, reads until
// the welcome, then sends an unsolicited pong.
func rawPatient(t *testing.T, addr, origin string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(waitLimit))
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Protocol: %s\r\n\r\n", addr, origin, Subprotocol)
	readUntil(t, c, []byte("\r\n\r\n"))
	if _, err := c.Write(maskedFrame(0x1, []byte(`{"type":"hello","resume":"","last_seq":0,"locale":"en"}`))); err != nil {
		t.Fatal(err)
	}
	readUntil(t, c, []byte(`"welcome"`))
	if _, err := c.Write(maskedFrame(0xA, nil)); err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Time{})
	return c
}

// readUntil reads from c until what it read contains want.
func readUntil(t *testing.T, c net.Conn, want []byte) {
	t.Helper()
	var got []byte
	buf := make([]byte, 512)
	for !bytes.Contains(got, want) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read %q: %v (got %q)", want, err, got)
		}
		got = append(got, buf[:n]...)
	}
}

// maskedFrame is a final client frame of opcode op (payload under 126
// bytes), masked with a zero key as a client's must be.
func maskedFrame(op byte, payload []byte) []byte {
	f := []byte{0x80 | op, 0x80 | byte(len(payload)), 0, 0, 0, 0}
	return append(f, payload...)
}

package web

import (
	"bytes"
	"fmt"
	"net"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// idleSockets is how many patient sockets TestIdlePatientSocketMemory
// holds: enough that the server's fixed costs vanish in the average.
const idleSockets = 1000

// What an idle patient socket may cost the server (docs/performance.md,
// issue 15's ≤ 16 KiB RSS per socket): its reader goroutine's stack, which
// the collector can shrink to 4 KiB only while that goroutine, blocked in
// gorilla's read, uses under 1,248 bytes of it; and the heap the last
// collection found live, here with the test's fake engine (no
// conversation state) and the raw clients' own connections included.
// HeapInuse is logged, not checked: it counts the free space of the spans
// in use too, which the handshakes' garbage leaves scattered, and moves by
// ±10% from run to run.
const (
	maxIdleStackPerSocket = 5 << 10
	maxIdleLivePerSocket  = 3328
)

// Idle patient sockets over real TCP, each after hello and an unsolicited
// pong (so gorilla's read loop has handled a control frame and blocks
// again, as after every ping), measured with runtime.ReadMemStats and
// runtime/metrics after enough collections to shrink the readers' stacks.
// Before the read loop was cut to the read (readLoop) each idle patient held an
// 8 KiB stack (here 8,192–8,225 B, 4,063–4,129 after); before the socket
// lost its own context and done channel and took its logger by pointer,
// 3,440 B were live per socket here (3,168–3,184 after).
func TestIdlePatientSocketMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a thousand sockets")
	}
	if raceDetector {
		t.Skip("the race detector changes what memory costs")
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
		for range conns { // the fake engine's channel holds only 100
			select {
			case <-eng.detached:
			case <-time.After(waitLimit):
				t.Fatal("closed sockets were not detached")
			}
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
	live := (float64(after.live) - float64(before.live)) / idleSockets
	t.Logf("per idle patient socket: stack %.0f B, heap %.0f B in use, %.0f B live (%d sockets)", stack, heap, live, idleSockets)
	if stack > maxIdleStackPerSocket {
		t.Errorf("stack %.0f B per idle socket, want at most %d", stack, maxIdleStackPerSocket)
	}
	if live > maxIdleLivePerSocket {
		t.Errorf("%.0f B live per idle socket, want at most %d", live, maxIdleLivePerSocket)
	}
}

// memStats are runtime.MemStats and the bytes the last collection found
// live (HeapInuse also counts the free space of spans in use).
type memStats struct {
	runtime.MemStats
	live uint64
}

// settledMemStats collects until stacks have shrunk as far as they go
// (each collection halves a stack at most once) and returns the stats.
func settledMemStats() memStats {
	var m memStats
	for range 6 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m.MemStats)
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	m.live = s[0].Value.Uint64()
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

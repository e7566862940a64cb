package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Tuned echo settings: what a memory-careful gorilla server does (small
// buffers, write buffers pooled so an idle socket holds none).
const (
	tunedReadBuffer  = 1024
	tunedWriteBuffer = 1024
	echoStartTimeout = 10 * time.Second
	statsGCs         = 4
)

// echoServer is the baseline: a bare gorilla/websocket server that sends
// every text frame back, as cheap as a WebSocket server on this machine
// gets. Only the Upgrader settings differ between default and tuned.
type echoServer struct {
	up      websocket.Upgrader
	sockets atomic.Int64
}

func newEchoServer(tuned bool) *echoServer {
	e := &echoServer{up: websocket.Upgrader{
		Subprotocols: []string{"portico.v1"},
		CheckOrigin:  func(*http.Request) bool { return true },
	}}
	if tuned {
		e.up.ReadBufferSize = tunedReadBuffer
		e.up.WriteBufferSize = tunedWriteBuffer
		e.up.WriteBufferPool = &sync.Pool{}
	}
	return e
}

func (e *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ws":
		ws, err := e.up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		e.sockets.Add(1)
		defer e.sockets.Add(-1)
		defer ws.Close()
		for {
			kind, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if err := ws.WriteMessage(kind, b); err != nil {
				return
			}
		}
	case "/debug/stats":
		if r.URL.Query().Get("gc") == "1" {
			for range statsGCs { // as cmd/portico's /debug/stats does
				runtime.GC()
			}
			debug.FreeOSMemory()
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		_ = json.NewEncoder(w).Encode(ServerStats{
			PID: os.Getpid(), Goroutines: runtime.NumGoroutine(), Sockets: int(e.sockets.Load()),
			HeapInuse: m.HeapInuse, StackInuse: m.StackInuse, GCForced: r.URL.Query().Get("gc") == "1",
		})
	default:
		http.NotFound(w, r)
	}
}

// echoCmd serves the echo baseline on a loopback port, prints its URL on
// stdout, and stops when stdin closes (its parent, run, went away).
func echoCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	tuned := fs.Bool("tuned", false, "small buffers and a write buffer pool")
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := loopbackOnly("http://" + *addr); err != nil {
		return err
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newEchoServer(*tuned), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		srv.Close()
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Fprintf(stdout, "http://%s\n", l.Addr())
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// echoProc is an echo baseline running as a child process of the same
// binary, so its memory can be read from /proc exactly as the server's.
type echoProc struct {
	url   *url.URL
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startEcho(ctx context.Context, tuned bool) (*echoProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"echo"}
	if tuned {
		args = append(args, "-tuned")
	}
	cmd := exec.Command(exe, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start echo baseline: %w", err)
	}
	p := &echoProc{cmd: cmd, stdin: stdin}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if p.url, err = url.Parse(s); err != nil || s == "" {
			p.stop()
			return nil, fmt.Errorf("echo baseline said %q", s)
		}
	case <-time.After(echoStartTimeout):
		p.stop()
		return nil, errors.New("echo baseline did not start")
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
	return p, nil
}

// stop closes the child's stdin, which ends it, and reaps it.
func (p *echoProc) stop() {
	p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(echoStartTimeout):
		_ = p.cmd.Process.Kill() // our own child, by its handle
		<-done
	}
}

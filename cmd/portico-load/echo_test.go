package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/web/client"
)

// The baselines are measured by the same code as the server: this runs the
// idle and throughput steps against an in-process echo server.
func TestEchoBaselineSteps(t *testing.T) {
	for _, tuned := range []bool{false, true} {
		srv := httptest.NewServer(newEchoServer(tuned))
		t.Cleanup(srv.Close)
		base, err := loopbackOnly(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		e := &env{base: base, ws: wsURL(base), origin: srv.URL, src: newSources(2),
			turnTimeout: 5 * time.Second, http: http.DefaultClient}
		ctx := context.Background()

		idle := idleRun(ctx, io.Discard, "echo", base, 20, 10*time.Millisecond, func(ctx context.Context) (*client.Conn, error) {
			c, err := e.dial(ctx)
			if err != nil {
				return nil, err
			}
			return c, echoHello(ctx, c, time.Second)
		})
		if idle.Error != "" || idle.Opened != 20 || idle.Failed != 0 || len(idle.Steps) == 0 {
			t.Fatalf("tuned=%v idle: %+v", tuned, idle)
		}
		if idle.Steps[0].GoroutinesPerConn < 0.9 {
			t.Errorf("tuned=%v: %.2f goroutines per echo connection, want about 1", tuned, idle.Steps[0].GoroutinesPerConn)
		}
		if idle.SocketsLeft != 0 {
			t.Errorf("tuned=%v: %d sockets left open after closing", tuned, idle.SocketsLeft)
		}

		r := echoThroughput(ctx, io.Discard, "echo", e, 4, 100*time.Millisecond, os.Getpid())
		if r.Messages == 0 || r.Latency.Errors != 0 || r.Latency.Count != int(r.Messages) {
			t.Errorf("tuned=%v throughput: %+v", tuned, r)
		}
	}
}

func TestProcReadsThisProcess(t *testing.T) {
	rss, err := procRSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Fatalf("procRSS: %d, %v", rss, err)
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Fatalf("procCPU: %v", err)
	}
	if _, err := procRSS(-1); err == nil {
		t.Error("procRSS of no process: want an error")
	}
}

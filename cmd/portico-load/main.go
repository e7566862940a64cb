// Command portico-load is Portico's load generator and benchmark driver.
// It speaks the patient protocol (PROTOCOL.md) like a real client, one
// WebSocket per simulated patient, answering each question by its input
// hint's slot and reply values and reading one-time codes from the demo's
// dev outbox over HTTP, so the server needs no test hook. Baselines (a bare
// gorilla/websocket echo server, default and tuned) are measured in the
// same run by the same client code. It talks to 127.0.0.0/8 only.
//
//	portico-load patients -n 20000 -out patients.csv   # synthetic patients to import
//	portico-load run -url http://127.0.0.1:8080 -patients patients.csv -out .cache/bench/NAME
//	portico-load echo [-tuned]                         # a baseline server (started by run)
//
// docs/performance.md describes the method and the latest figures.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: portico-load run|patients|echo [flags]  (-h for each)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(ctx, os.Args[2:], os.Stdout)
	case "patients":
		err = patientsCmd(os.Args[2:], os.Stdout)
	case "echo":
		err = echoCmd(ctx, os.Args[2:], os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q: want run, patients or echo", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "portico-load:", err)
		os.Exit(1)
	}
}

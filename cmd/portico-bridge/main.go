// Command portico-bridge is the reference portal bridge: the small HTTPS
// API that Portico's bridge directory driver calls (docs/bridge.md,
// docs/bridge.openapi.yaml), over a SQLite file of patient accounts.
//
// It is meant to be read and copied by a portal team: replace store.go
// with queries against the portal's own account tables and keep the rest
// (signature and replay checks, idempotency keys, the password policy's
// error codes). It depends only on the standard library, x/crypto and
// x/text, and a SQLite driver.
//
//	PORTICO_BRIDGE_SECRET=$(openssl rand -hex 32) portico-bridge \
//	    -addr :8443 -db bridge.db -tls-cert cert.pem -tls-key key.pem \
//	    [-client-ca portico-ca.pem] [-seed records.json] [-prefix /portico-bridge/v1]
//
// The shared secret is read from the environment (PORTICO_BRIDGE_SECRET,
// and PORTICO_BRIDGE_SECRET_PREVIOUS while rotating), never from a flag,
// which any user of the machine could read in the process list.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Server limits.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second // a change hashes with argon2id
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	shutdownGrace     = 10 * time.Second
	minSecretLen      = 32
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "portico-bridge:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	addr, db, prefix, seed      string
	tlsCert, tlsKey, clientCA   string
	minLength, history, classes int
	minAge                      time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("portico-bridge", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8443", "listen address")
	fs.StringVar(&o.db, "db", "bridge.db", "SQLite file of accounts (created if missing)")
	fs.StringVar(&o.prefix, "prefix", "", "path the API is served under, e.g. /portico-bridge/v1")
	fs.StringVar(&o.seed, "seed", "", "JSON file of records to add or replace at start (see seed.go)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (TLS); without it, plain HTTP on a loopback address only")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key for -tls-cert")
	fs.StringVar(&o.clientCA, "client-ca", "", "PEM CA: require Portico to present a client certificate it signed (mTLS)")
	fs.IntVar(&o.minLength, "min-length", 15, "password policy: minimum length in characters")
	fs.IntVar(&o.history, "history", 5, "password policy: refuse the last N passwords (0: off)")
	fs.IntVar(&o.classes, "classes", 0, "password policy: require N of lower, upper, digit, symbol (0: off, as NIST advises)")
	fs.DurationVar(&o.minAge, "min-age", 0, "password policy: refuse a change sooner than this after the last (0: off)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return o, errors.New("-tls-cert and -tls-key: give both or neither")
	}
	if o.clientCA != "" && o.tlsCert == "" {
		return o, errors.New("-client-ca needs -tls-cert and -tls-key")
	}
	return o, nil
}

// run serves until ctx ends. It prints "listening on ADDR" once the
// socket is open.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	secrets, err := loadSecrets(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))
	st, err := openStore(o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	if o.seed != "" {
		n, err := st.seedFile(ctx, o.seed)
		if err != nil {
			return err
		}
		log.Info("seeded records", "count", n)
	}
	pol := policy{MinLength: o.minLength, History: o.history, Classes: o.classes, MinAge: o.minAge}
	srv := newServer(st, secrets, pol, o.prefix, log)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.routes(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if o.tlsCert != "" {
		if hs.TLSConfig, err = serverTLS(o.clientCA); err != nil {
			ln.Close()
			return err
		}
	} else if !isLoopback(ln.Addr()) {
		ln.Close()
		return errors.New("refusing plain HTTP on a non-loopback address: give -tls-cert and -tls-key")
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			errc <- hs.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	return nil
}

// loadSecrets reads the current secret and, while rotating, the previous
// one: requests signed with either are accepted.
func loadSecrets(getenv func(string) string) ([][]byte, error) {
	cur := getenv("PORTICO_BRIDGE_SECRET")
	if len(cur) < minSecretLen {
		return nil, fmt.Errorf("PORTICO_BRIDGE_SECRET: want at least %d bytes (e.g. openssl rand -hex 32)", minSecretLen)
	}
	secrets := [][]byte{[]byte(cur)}
	if prev := getenv("PORTICO_BRIDGE_SECRET_PREVIOUS"); prev != "" {
		if len(prev) < minSecretLen {
			return nil, fmt.Errorf("PORTICO_BRIDGE_SECRET_PREVIOUS: want at least %d bytes", minSecretLen)
		}
		secrets = append(secrets, []byte(prev))
	}
	return secrets, nil
}

func serverTLS(clientCA string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if clientCA == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(clientCA)
	if err != nil {
		return nil, fmt.Errorf("-client-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-client-ca %s: no PEM certificate in it", clientCA)
	}
	cfg.ClientCAs = pool
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	return cfg, nil
}

func isLoopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

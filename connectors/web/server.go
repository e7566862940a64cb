// Package web is Portico's HTTP face: the patient WebSocket endpoint /ws
// (PROTOCOL.md), the embeddable widget (/widget.js), health endpoints, and
// in demo mode a mock patient portal that embeds the widget.
// docs/protocol.md describes the protocol as served here.
package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// HTTP server limits. The patient socket clears the server's deadlines when
// it takes the connection over and keeps its own (see socket.go).
const (
	readHeaderTimeout = 5 * time.Second   // a slowloris client is dropped after this
	readTimeout       = 15 * time.Second  // whole request, body included
	writeTimeout      = 30 * time.Second  // whole response
	idleTimeout       = 120 * time.Second // keep-alive between requests
	maxHeaderBytes    = 16 << 10
	handshakeTimeout  = 10 * time.Second // to write the WebSocket handshake response
	readyTimeout      = 2 * time.Second  // for Deps.Ready
	// Socket I/O buffers. Patient frames are small (a say is well under
	// 1 KiB; larger ones are read across several fills); a write buffer is
	// taken from writeBuffers only while a frame is being written.
	socketReadBuffer  = 512
	socketWriteBuffer = 4096
)

// writeBuffers is shared by every socket's writes.
var writeBuffers = &sync.Pool{}

// Server serves Portico over HTTP. Create it with New.
type Server struct {
	cfg  Config
	conv Conversations
	deps Deps
	log  zerolog.Logger

	http     *http.Server
	handler  http.Handler
	upgrader websocket.Upgrader
	origins  originPolicy
	self     string // own origin from PublicURL; "" to go by the request's Host
	ips      clientIPs
	conns    *connCounter
	pages    *pages
	con      *console // the staff's sign-in, console and admin; nil without their stores
	routed   []route  // every route with its guard (routes.go)

	closing  atomic.Bool
	mu       sync.Mutex
	sockets  map[*socket]bool // open sockets, patients' true, agents' false
	patients int              // how many of them are patients'
	wg       sync.WaitGroup   // one per open socket

	// Tunable by tests in this package.
	now        func() time.Time
	helloWait  time.Duration
	sendBuffer int
	pingPeriod time.Duration
}

// New returns a server for the configuration; conv runs the conversations.
// Malformed configuration entries are left out; see Config.Validate.
func New(c Config, conv Conversations, deps Deps, log zerolog.Logger) *Server {
	c = c.withDefaults()
	s := &Server{
		cfg:        c,
		conv:       conv,
		deps:       deps,
		log:        log.With().Str("component", "web").Str("node", c.Node).Logger(),
		origins:    newOriginPolicy(c),
		ips:        newClientIPs(c.TrustedProxies),
		conns:      newConnCounter(c.MaxConnsPerIP),
		pages:      newPages(),
		sockets:    make(map[*socket]bool),
		now:        time.Now,
		helloWait:  helloWait,
		sendBuffer: sendBuffer,
		pingPeriod: pingPeriod,
	}
	if o, err := parseOrigin(c.PublicURL); c.PublicURL != "" && err == nil {
		s.self = o.String()
	}
	if err := c.Validate(); err != nil {
		s.log.Error().Err(err).Msg("configuration has malformed entries; they are ignored")
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: handshakeTimeout,
		// Small read buffers and pooled write buffers: an idle socket holds
		// socketReadBuffer bytes instead of gorilla's default 8 KiB (the
		// hijacked 4 KiB reader and writer), see docs/performance.md.
		ReadBufferSize:  socketReadBuffer,
		WriteBufferSize: socketWriteBuffer,
		WriteBufferPool: writeBuffers,
		Subprotocols:    []string{Subprotocol},
		CheckOrigin:     s.origins.allow, // already checked; kept as a second lock
		Error: func(w http.ResponseWriter, _ *http.Request, status int, _ error) {
			http.Error(w, http.StatusText(status), status)
		},
	}
	s.con = newConsole(s)
	r := s.routes()
	s.routed = r.list
	s.handler = s.accessLog(s.securityHeaders(r.mux))
	s.http = &http.Server{
		Addr:              c.Addr,
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
		ErrorLog:          stdlog.New(s.log.With().Str("source", "net/http").Logger(), "", 0),
	}
	return s
}

// Handler returns the server's handler, security headers included.
func (s *Server) Handler() http.Handler { return s.handler }

// ListenAndServe listens on Config.Addr and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(l)
}

// Serve serves on l (HTTPS when Config has a certificate and key) until
// Shutdown, and then returns nil.
func (s *Server) Serve(l net.Listener) error {
	s.log.Info().Str("addr", l.Addr().String()).Bool("tls", s.cfg.TLS()).Bool("demo", s.cfg.Demo).Msg("serving")
	var err error
	if s.cfg.TLS() {
		err = s.http.ServeTLS(l, s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
	} else {
		err = s.http.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serve: %w", err)
}

// Shutdown stops taking sockets, closes every open one (patients' and
// agents') with code 1012 (service restart) so that clients reconnect
// elsewhere or later, then shuts the HTTP server down and waits for the
// sockets' goroutines, all within ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	for c := range s.sockets {
		c.stop(closeServiceReboot, "service restart")
	}
	s.mu.Unlock()
	err := s.http.Shutdown(ctx)
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("wait for sockets: %w", ctx.Err()))
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// OpenSockets returns how many patient sockets are open.
func (s *Server) OpenSockets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.patients
}

// register tracks an open socket for Shutdown; false when shutting down.
func (s *Server) register(c *socket, patient bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.sockets[c] = patient
	if patient {
		s.patients++
	}
	s.wg.Add(1)
	return true
}

func (s *Server) unregister(c *socket) {
	s.mu.Lock()
	if s.sockets[c] {
		s.patients--
	}
	delete(s.sockets, c)
	s.mu.Unlock()
	s.wg.Done()
}

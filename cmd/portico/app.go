package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico"
	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/directory/local"
	"github.com/portico-chat/portico/connectors/metrics"
	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/web"
	"github.com/portico-chat/portico/flows"
)

// shutdownTimeout bounds a graceful shutdown: sockets get their 1012 close,
// in-flight turns finish, queued writes are flushed.
const shutdownTimeout = 10 * time.Second

// App is the whole server, wired: storage, directory, delivery, engine and
// web. serve runs it; the end-to-end tests run it in-process.
type App struct {
	cfg *Config
	log zerolog.Logger
	DB  Store // *sqlite.DB or *postgres.DB (storage.driver)
	// nodes coordinate several nodes on PostgreSQL; nil on SQLite.
	nodes *nodes
	Dir   *local.Local
	// Directory is the engine's directory: Dir, or the configured remote
	// one, padded, with the finder in front (directory.go).
	Directory *directoryStack
	Dev       *notify.DevOutbox // demo mode only
	Sender    *notify.Sender
	Engine    *bot.Engine
	Web       *web.Server
	// FlowAdmin drafts, tests and publishes flows for the admin API.
	FlowAdmin *flowadmin.Service

	// DemoSite is the cross-origin demo site's URL ("" without one); its
	// listener is opened with the app so the portal can link to it.
	DemoSite string
	demoL    net.Listener
	debugL   net.Listener // pprof and /debug/stats; nil unless debug.addr is set
	// Metrics is nil when metrics.enabled is false (see metrics.go).
	Metrics  *metrics.Prometheus
	metricsL net.Listener // /metrics; nil unless metrics.addr is set
}

// openApp opens the database and wires every part.
func openApp(ctx context.Context, cfg *Config, log zerolog.Logger) (*App, error) {
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a := &App{cfg: cfg, log: log, DB: db}
	fail := func(err error) (*App, error) {
		a.nodes.close()
		db.Close()
		return nil, err
	}
	if err := a.wire(ctx); err != nil {
		return fail(err)
	}
	if err := a.listenDebug(); err != nil {
		return fail(err)
	}
	if err := a.listenMetrics(); err != nil {
		return fail(err)
	}
	return a, nil
}

func (a *App) wire(ctx context.Context) (err error) {
	cfg := a.cfg
	if a.nodes, err = a.openNodes(ctx); err != nil {
		return err
	}
	policy := cfg.passwordPolicy()
	a.Dir = local.New(a.DB, policy, nil, a.log)
	if a.Directory, err = openDirectory(ctx, cfg.Directory, a.Dir, a.log); err != nil {
		return err
	}
	logDirectory(a.log, cfg.Directory)
	if cfg.Demo {
		hash, err := password.Hash(patients.DemoPassword)
		if err != nil {
			return err
		}
		if err := a.registry().SeedDemo(ctx, portico.DemoPatients, hash); err != nil {
			return err
		}
		a.Dev = notify.NewDevOutboxCap(cfg.DevOutboxCap)
		if err := seedDemoStaff(ctx, a.DB); err != nil {
			return err
		}
		if err := seedDemoCanned(ctx, a.DB); err != nil {
			return err
		}
	}
	fsys := flows.Builtin()
	if cfg.FlowsDir != "" {
		fsys = os.DirFS(cfg.FlowsDir)
	}
	// A version an admin published wins over the file's, across restarts.
	fl, err := flowadmin.Load(ctx, a.DB, fsys, "system")
	if err != nil {
		return fmt.Errorf("load flows: %w", err)
	}
	sc := notify.SenderConfig{Dev: a.Dev, Leases: a.nodes.senderLeases()}
	if cfg.SMTP.Addr != "" {
		sc.Email = notify.NewSMTP(notify.SMTPConfig{
			Addr: cfg.SMTP.Addr, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password,
			From: cfg.SMTP.From, StartTLS: cfg.SMTP.StartTLS,
		})
	}
	if cfg.SMS.URL != "" {
		sc.SMS = a.smsTransport(notify.NewSMS(notify.SMSConfig{URL: cfg.SMS.URL, Account: cfg.SMS.Account, Token: cfg.SMS.Token, From: cfg.SMS.From}))
	}
	a.Sender = notify.NewSender(a.DB, sc, a.log.With().Str("component", "notify").Logger())
	channels := deliveryChannels(cfg)
	logChannels(a.log, channels)

	ec := bot.DefaultConfig()
	ec.Node, ec.PortalName, ec.PasswordMinLength = cfg.Node, cfg.PortalName, policy.MinLength
	ec.Limits.CodeTTL, ec.Limits.ConversationIdle = cfg.CodeTTL, cfg.IdleTimeout
	ec.Channels = liveChannels(channels) // a channel that cannot send is never offered
	ec.Limits.NewConversations, ec.Limits.IPv6Prefix = cfg.NewConversationsPerMinute, cfg.IPv6Prefix
	cfg.Handoff.apply(&ec)
	if err := a.storedQueues(ctx, &ec); err != nil {
		return err
	}
	if err := fl.RefuseSecretsOn(a.smsChannel()); err != nil {
		return fmt.Errorf("flows: %w", err)
	}
	deps := bot.Deps{
		Store: a.DB, Codes: a.DB, Attempts: a.DB, Directory: a.Directory.dir, Activation: a.DB, Password: policy,
		Flows: fl, Kick: a.Sender.Kick, Desk: a.DB,
		Metrics: a.newMetrics(ec), Channels: a.smsChannel(),
	}
	a.nodes.engineDeps(&deps)
	if a.Dev != nil {
		deps.Held = a.showHeld
	}
	a.Engine = bot.NewEngine(ec, deps, a.log.With().Str("component", "bot").Logger())

	wd := web.Deps{Ready: a.ready}
	if err := a.smsWeb(&wd); err != nil {
		return err
	}
	if cfg.Demo {
		if cfg.Directory.Driver == driverLocal {
			wd.SignIn = signIn{a.Dir} // the demo portal signs in to the local directory only
		}
		wd.Outbox = a.Dev.Handler()
		a.listenDemoSite()
		wd.Stats = a.statsHandler()
	}
	flowLog := a.log.With().Str("component", "flowadmin").Logger()
	a.FlowAdmin = flowadmin.New(flowadmin.Config{
		Store: a.DB, Flows: fl, Files: fsys, Envs: flowEnvs("", flowLog), Node: cfg.Node, Log: flowLog,
	})
	wd.Flows = web.FlowAdminDeps{Flows: a.FlowAdmin, Tokens: a.DB}
	wd.Agents = web.AgentDeps{Users: a.DB, Sessions: a.DB, Canned: a.DB, Search: a.DB, Audit: a.DB, Desk: a.Engine}
	wd.Settings = web.SettingsDeps{Users: a.DB, Queues: a.DB, Settings: a.DB, Audit: a.DB, Live: a.Engine}
	a.Web = web.New(web.Config{
		Addr: cfg.Addr, AllowedOrigins: cfg.AllowedOrigins, PublicURL: cfg.PublicURL, Demo: cfg.Demo,
		DemoSecondURL: a.DemoSite, Widget: cfg.Widget, LogoHosts: cfg.LogoHosts,
		MaxConnsPerIP: cfg.MaxConnsPerIP, TrustedProxies: cfg.TrustedProxies, IPv6Prefix: cfg.IPv6Prefix,
		RateFrames: cfg.RateFrames, RateWindow: cfg.RateWindow, RateBurst: cfg.RateBurst,
		TLSCertFile: cfg.TLSCert, TLSKeyFile: cfg.TLSKey, Node: cfg.Node,
		Console: web.ConsoleConfig{
			SessionIdle: cfg.Console.SessionIdle, SessionAbsolute: cfg.Console.SessionAbsolute,
			SignInFailures: cfg.Console.SignInFailures, SignInLock: cfg.Console.SignInLock,
		},
	}, a.Engine, wd, a.log.With().Str("component", "web").Logger())
	return nil
}

// heldLookup bounds the directory read behind a dev outbox note.
const heldLookup = 2 * time.Second

// showHeld puts a note in the demo's dev outbox when a code was held back
// (the send limit, a paused record), so that someone trying the
// walkthrough twice sees why no code came. The patient's chat said the
// same as for a sent code; only this demo-only page tells them apart.
func (a *App) showHeld(h bot.HeldCode) {
	why := notify.NotSentLimit
	switch h.Why {
	case "no_contact":
		return // nowhere it would have gone
	case "record_paused":
		why = notify.NotSentPaused
	}
	ctx, cancel := context.WithTimeout(context.Background(), heldLookup)
	defer cancel()
	c, err := a.Directory.dir.Contacts(ctx, h.Record)
	if err != nil {
		a.log.Warn().Err(err).Msg("dev outbox: contacts of a held code")
		return
	}
	to := c.Email
	if h.Channel == "sms" {
		to = c.Phone
	}
	if to != "" {
		a.Dev.RecordHeld(to, h.Channel, why, h.At)
	}
}

// storedQueues puts the database's queues in the engine's configuration.
// The configuration file's seed the database on the first start; from then
// on admins edit them (/admin/settings/queues) and the database wins.
func (a *App) storedQueues(ctx context.Context, ec *bot.Config) error {
	specs := make([]bot.QueueSpec, 0, len(ec.Queues))
	for _, name := range slices.Sorted(maps.Keys(ec.Queues)) {
		specs = append(specs, bot.SpecOf(ec.Queues[name]))
	}
	stored, err := a.DB.SeedQueueSpecs(ctx, specs)
	if err != nil {
		return fmt.Errorf("queues: %w", err)
	}
	qs, err := bot.QueuesOf(stored)
	if err != nil {
		return fmt.Errorf("queues stored in the database: %w", err)
	}
	ec.Queues = qs
	return nil
}

// registry is what staff do with Portico's own patient records.
func (a *App) registry() *patients.Registry {
	return patients.NewRegistry(a.DB, patients.Config{}, nil, a.log)
}

// signIn adapts the directory to the demo portal's sign-in.
type signIn struct{ l *local.Local }

func (s signIn) SignIn(ctx context.Context, username, password string) error {
	_, err := s.l.SignIn(ctx, username, password)
	return err
}

// Run serves on l until ctx is done, then shuts down gracefully: sockets
// close with 1012, background workers stop, the database is flushed and
// closed.
func (a *App) Run(ctx context.Context, l net.Listener) error {
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 4)
	go func() { done <- a.Engine.Run(bg) }()
	go func() { done <- a.Sender.Run(bg) }()
	go func() { done <- a.purge(bg) }()
	go func() { done <- a.FlowAdmin.Run(bg) }()
	serveErr := make(chan error, 1)
	l = a.countConnections(l)
	go func() { serveErr <- a.Web.Serve(l) }()
	defer a.serveMetrics()()
	defer a.serveDemoSite(l.Addr())()
	defer a.serveDebug()()

	var err error

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if serr := a.Web.Shutdown(sctx); serr != nil && err == nil {
		err = fmt.Errorf("shutdown: %w", serr)
	}
	stop()
	for range 4 {
		<-done
	}
	if ferr := a.FlowAdmin.Close(); ferr != nil && err == nil {
		err = fmt.Errorf("close flow admin: %w", ferr)
	}
	if derr := a.Directory.close(); derr != nil && err == nil {
		err = fmt.Errorf("close directory: %w", derr)
	}
	a.nodes.close()
	if cerr := a.DB.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close database: %w", cerr)
	}
	return err
}

// flowsFS returns the flows the configuration names.
func flowsFS(dir string) fs.FS {
	if dir != "" {
		return os.DirFS(dir)
	}
	return flows.Builtin()
}

package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

func (c *cli) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the chat server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.config(cmd)
			if err != nil {
				return err
			}
			log := newLogger(c.err, cfg)
			tuneGC(log)
			stopHashing := startHashing(cfg, log)
			defer stopHashing()
			app, err := openApp(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				app.DB.Close()
				return fmt.Errorf("http.addr: %w", err)
			}
			log.Info().Str("addr", l.Addr().String()).Bool("demo", cfg.Demo).Msg("listening")
			c.banner(cfg, l.Addr(), app.DemoSite)
			return app.Run(cmd.Context(), l)
		},
	}
	cmd.Flags().Bool("demo", false, "demo mode: demo patients, dev outbox, demo portal page")
	cmd.Flags().String("addr", ":8080", "listen address (http.addr)")
	cmd.Flags().String("db", "data/portico.db", "SQLite database file (storage.sqlite.path)")
	cmd.Flags().String("log-level", "info", "debug, info, warn or error (log.level)")
	return cmd
}

// banner prints where to click. site is the cross-origin demo site's URL,
// "" without one.
func (c *cli) banner(cfg *Config, addr net.Addr, site string) {
	base := cfg.PublicURL
	if base == "" {
		port := addr.(*net.TCPAddr).Port
		scheme := "http"
		if cfg.TLSCert != "" {
			scheme = "https"
		}
		base = fmt.Sprintf("%s://localhost:%d", scheme, port)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nPortico is running at %s\n", base)
	if cfg.Demo {
		fmt.Fprintf(&b, "  Demo patient portal:  %s/\n", base)
		fmt.Fprintf(&b, "  Dev outbox (codes):   %s/dev/outbox\n", base)
		fmt.Fprintf(&b, "  Demo accounts' password: %q; try resetting the password of\n", patients.DemoPassword)
		fmt.Fprintf(&b, "  Olivia Activeuser, born 05/17/1985, ZIP 02139, username olivia.active\n")
		fmt.Fprintf(&b, "  (testdata/README.md lists every demo patient).\n")
		if site != "" {
			fmt.Fprintf(&b, "  Same widget, another origin: %s/\n", site)
		}
		fmt.Fprintf(&b, "  Agent console:        %s/agent\n", base)
		fmt.Fprintf(&b, "    demo agent: %s  password %q\n", demoAgentEmail, demoAgentPassword)
		fmt.Fprintf(&b, "  Admin (flows, analytics, settings): %s/admin\n", base)
		fmt.Fprintf(&b, "    demo admin: %s  password %q\n", demoAdminEmail, demoAdminPassword)
	}
	fmt.Fprintf(&b, "  Health:               %s/healthz\n\n", base)
	fmt.Fprint(c.out, b.String())
}

// startHashing starts the password hashing worker (security.hash_worker):
// a child process at low priority, so that a burst of resets takes only
// the cycles turns leave (docs/performance.md, "Resets"). Without it, or
// when it cannot start, hashes run in process on low-priority threads,
// and as many scheduler slots again as hashes may run keep turns from
// waiting for one (an explicit GOMAXPROCS in the environment wins).
func startHashing(cfg *Config, log zerolog.Logger) (stop func()) {
	if cfg.HashWorker {
		exe, err := os.Executable()
		if err == nil {
			stop, err := password.StartWorker(exe)
			if err == nil {
				log.Info().Int("pid", password.WorkerPID()).Msg("password hashing worker started")
				return stop
			}
		}
		log.Warn().Err(err).Msg("password hashing worker did not start; hashing in process")
	}
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + password.HashConcurrency())
	}
	return func() {}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/metrics"
)

// Metrics listener limits.
const (
	metricsReadHeaderTimeout = 5 * time.Second
	metricsShutdownTimeout   = 2 * time.Second
	metricsPath              = "/metrics"
)

// newMetrics builds the Prometheus metrics when metrics.enabled is set
// (the default) and returns what the engine reports to: them, or
// bot.NoMetrics.
func (a *App) newMetrics(ec bot.Config) bot.Metrics {
	if !a.cfg.MetricsEnabled {
		return bot.NoMetrics{}
	}
	queues := make([]string, 0, len(ec.Queues))
	for name := range ec.Queues {
		queues = append(queues, name)
	}
	if ec.DefaultQueue != "" && !slices.Contains(queues, ec.DefaultQueue) {
		queues = append(queues, ec.DefaultQueue)
	}
	a.Metrics = metrics.New(metrics.Options{
		Store: a.DB, Queues: queues, Runtime: true, Node: a.cfg.Node,
		PatientSockets: func() int {
			if a.Web == nil {
				return 0
			}
			return a.Web.OpenSockets()
		},
	}, a.log.With().Str("component", "metrics").Logger())
	if a.Directory != nil {
		a.Directory.register(a.Metrics.Registry())
	}
	return a.Metrics
}

// countConnections makes the main listener count its open connections
// when metrics are enabled.
func (a *App) countConnections(l net.Listener) net.Listener {
	if a.Metrics == nil {
		return l
	}
	return a.Metrics.CountConnections(l)
}

// listenMetrics opens the /metrics listener when metrics.addr is set. It
// is separate from the patients' listener so that operational numbers
// (queue lengths, verification failures) are not served to the internet:
// bind it to loopback or an internal network.
func (a *App) listenMetrics() error {
	if a.cfg.MetricsAddr == "" || a.Metrics == nil {
		return nil
	}
	l, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics.addr: %w", err)
	}
	a.metricsL = l
	return nil
}

// serveMetrics serves /metrics on its listener, if there is one, and
// returns the function that stops it.
func (a *App) serveMetrics() (stop func()) {
	l := a.metricsL
	if l == nil {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, a.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: metricsReadHeaderTimeout}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error().Err(err).Msg("metrics listener")
		}
	}()
	a.log.Info().Str("addr", l.Addr().String()).Msg("metrics listener (" + metricsPath + ")")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), metricsShutdownTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
}

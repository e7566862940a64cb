package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Limits of the cross-origin demo site's listener.
const (
	demoSiteHeaderTimeout   = 5 * time.Second
	demoSiteShutdownTimeout = 2 * time.Second
)

// listenDemoSite opens the listener of the second demo site, which embeds
// the widget from another origin (demo mode only). A busy port is logged
// and the demo goes on without it.
func (a *App) listenDemoSite() {
	if a.cfg.DemoSecondAddr == "" {
		return
	}
	l, err := net.Listen("tcp", a.cfg.DemoSecondAddr)
	if err != nil {
		a.log.Warn().Err(err).Str("addr", a.cfg.DemoSecondAddr).Msg("cross-origin demo site not started")
		return
	}
	a.demoL = l
	a.DemoSite = "http://" + browserAddr(l.Addr())
}

// serveDemoSite serves the second demo site, embedding the widget of the
// server listening on main, until the returned stop is called.
func (a *App) serveDemoSite(main net.Addr) (stop func()) {
	if a.demoL == nil {
		return func() {}
	}
	portico := a.cfg.PublicURL
	if portico == "" {
		portico = "http://" + browserAddr(main)
		if a.cfg.TLSCert != "" {
			portico = "https://" + browserAddr(main)
		}
	}
	srv := &http.Server{Handler: a.Web.CrossOriginDemo(portico), ReadHeaderTimeout: demoSiteHeaderTimeout}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(a.demoL); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error().Err(err).Msg("cross-origin demo site")
		}
	}()
	a.log.Info().Str("url", a.DemoSite).Str("widget_from", portico).Msg("cross-origin demo site")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), demoSiteShutdownTimeout)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}
}

// browserAddr is host:port as a browser on this machine reaches addr:
// "localhost" for a wildcard address.
func browserAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

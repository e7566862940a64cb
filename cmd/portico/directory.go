package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/keycloak"
	"github.com/portico-chat/portico/connectors/directory/ldap"
	"github.com/portico-chat/portico/connectors/directory/pad"
	dirremote "github.com/portico-chat/portico/connectors/directory/remote"
	"github.com/portico-chat/portico/connectors/finder/fhir"
)

// The directory the engine is given is built in layers, outermost first:
//
//	padded   every call takes at least directory.min_latency
//	fronted  the finder (finder.driver) turns demographics into an MRN,
//	         and the directory is asked by that MRN
//	checked  the driver's errors become the engine's codes, and each
//	         backend's reachability is recorded for /readyz and /metrics
//	driver   local, ldap, bridge or keycloak
//
// The drivers live in connectors/directory and connectors/finder; this is
// the one place that knows them all.

// directoryOpenTimeout bounds what a driver does at start (Keycloak
// reads the realm's user profile).
const directoryOpenTimeout = 15 * time.Second

// driver is a directory driver's methods as the engine calls them, with
// the driver's own errors (bot.Directory's shape; bridge and keycloak
// have it as it is, ldap through ldapDriver).
type driver = bot.Directory

// finder is a record finder: demographics to an MRN.
type finder interface {
	Find(ctx context.Context, l bot.Lookup) (string, error)
	Matches(ctx context.Context, dob, zip string) ([]string, error)
	Contacts(ctx context.Context, mrn string) (bot.Contacts, error)
	ContactsFromTelecom() bool
}

// backend is one remote part (the directory or the finder) as /readyz and
// the metrics see it.
type backend struct {
	role, driver string
	// ping asks the backend now, when it can be asked cheaply; nil leaves
	// readiness to the breaker and the last call.
	ping func(ctx context.Context) error
	// breakerOpen reports the driver's circuit breaker open.
	breakerOpen func() bool
	close       func() error

	down        atomic.Bool  // the last call found it unreachable
	unavailable atomic.Int64 // calls that found it unreachable
}

// seen records a call's outcome.
func (b *backend) seen(err error) {
	if bot.ErrorCode(err) == bot.EUNAVAILABLE {
		b.down.Store(true)
		b.unavailable.Add(1)
		return
	}
	if err == nil || bot.ErrorCode(err) != bot.EINTERNAL {
		b.down.Store(false)
	}
}

// up reports whether the backend is believed reachable.
func (b *backend) up() bool {
	return !b.down.Load() && (b.breakerOpen == nil || !b.breakerOpen())
}

// ready checks the backend for /readyz.
func (b *backend) ready(ctx context.Context) error {
	if b.ping != nil {
		err := seamError(b.ping(ctx))
		b.seen(err)
		if err != nil {
			return fmt.Errorf("%s (%s): %w", b.role, b.driver, err)
		}
		return nil
	}
	if !b.up() {
		return fmt.Errorf("%s (%s): unreachable", b.role, b.driver)
	}
	return nil
}

// directoryStack is the engine's directory and what watches it.
type directoryStack struct {
	dir      bot.Directory
	backends []*backend
	overruns atomic.Int64 // padded calls that took longer than the floor
}

// ready checks every remote backend.
func (s *directoryStack) ready(ctx context.Context) error {
	var errs []error
	for _, b := range s.backends {
		if err := b.ready(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// close closes the drivers that hold connections.
func (s *directoryStack) close() error {
	var errs []error
	for _, b := range s.backends {
		if b.close != nil {
			errs = append(errs, b.close())
		}
	}
	return errors.Join(errs...)
}

// register adds the directory's metrics: up (1 or 0) by backend, calls
// that found it unreachable, and padded calls that overran the floor.
func (s *directoryStack) register(reg *prometheus.Registry) {
	for _, b := range s.backends {
		labels := prometheus.Labels{"backend": b.role, "driver": b.driver}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "portico_directory_up", ConstLabels: labels,
				Help: "1 while the account directory (or record finder) is reachable, 0 while it is not.",
			}, func() float64 {
				if b.up() {
					return 1
				}
				return 0
			}),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "portico_directory_unavailable_total", ConstLabels: labels,
				Help: "Calls that found the account directory (or record finder) unreachable.",
			}, func() float64 { return float64(b.unavailable.Load()) }),
		)
	}
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "portico_directory_padding_overruns_total",
		Help: "Directory calls that took longer than directory.min_latency: raise it above the directory's p99.",
	}, func() float64 { return float64(s.overruns.Load()) }))
}

// openDirectory builds the configured directory around local, the local
// directory (used as it is when directory.driver is local).
func openDirectory(ctx context.Context, d DirectorySettings, local bot.Directory, log zerolog.Logger) (*directoryStack, error) {
	ctx, cancel := context.WithTimeout(ctx, directoryOpenTimeout)
	defer cancel()
	s := &directoryStack{}
	var base driver
	var b *backend
	switch d.Driver {
	case driverLocal:
		base = local
	case driverLDAP:
		l, err := ldap.New(d.LDAP, log)
		if err != nil {
			return nil, fmt.Errorf("directory.ldap: %w", err)
		}
		base = ldapReset{ldapDriver{l}}
		b = &backend{role: "directory", driver: driverLDAP, ping: l.Ping, breakerOpen: func() bool { return !l.Available() }, close: l.Close}
	case driverBridge:
		br, err := bridge.New(d.Bridge, log)
		if err != nil {
			return nil, err
		}
		base = br
		b = &backend{role: "directory", driver: driverBridge, ping: br.Health, breakerOpen: breakerOpen(br.BreakerState)}
	case driverKeycloak:
		kc, err := keycloak.New(ctx, d.Keycloak, log)
		if err != nil {
			return nil, fmt.Errorf("directory.driver keycloak refuses to start: %w", err)
		}
		base = kc
		b = &backend{role: "directory", driver: driverKeycloak, breakerOpen: breakerOpen(kc.BreakerState)}
	default:
		return nil, fmt.Errorf("directory.driver: %q is not one of local, ldap, bridge, keycloak", d.Driver)
	}
	var dir bot.Directory = base
	if b != nil {
		s.backends = append(s.backends, b)
		dir = checkedDir{d: base, b: b}
	}
	if d.Finder == finderFHIR {
		f, err := fhir.New(d.FHIR, log)
		if err != nil {
			return nil, err
		}
		fb := &backend{role: "finder", driver: finderFHIR, breakerOpen: breakerOpen(f.BreakerState)}
		s.backends = append(s.backends, fb)
		dir = &fronted{f: checkedFinder{f: f, b: fb}, d: dir, mrns: newMRNMemo(mrnMemoSize)}
	}
	if d.MinLatency > 0 {
		dir = padded{d: dir, floor: pad.Floor{Min: d.MinLatency}, overruns: &s.overruns}
	}
	s.dir = dir
	return s, nil
}

// breakerOpen adapts a driver's BreakerState.
func breakerOpen(state func() string) func() bool {
	return func() bool { return state() == dirremote.BreakerOpen }
}

// logDirectory says at start which directory (and finder) Portico uses,
// and where: never a secret, never a URL's user information.
func logDirectory(log zerolog.Logger, d DirectorySettings) {
	driver, where, finder := d.describe()
	log.Info().Str("directory", driver).Str("at", redactURL(where)).Str("finder", finder).
		Dur("min_latency", d.MinLatency).Msg("account directory")
}

// redactURL hides a URL's password, should one be written there.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// seamError turns a driver's error into the engine's: bot codes, with
// the driver's error kept behind for the operator's log. A driver's
// errors carry no server text and no patient data.
func seamError(err error) error {
	if err == nil {
		return nil
	}
	var be *bot.Error
	if errors.As(err, &be) {
		return err
	}
	code, msg := "", ""
	var le *ldap.Error
	switch {
	case errors.As(err, &le):
		switch {
		case le.Code == ldap.CodeInternal, le.Code == ldap.CodeInvalid && le.Reason == ldap.ReasonLookup:
			return err // a bug or a configuration problem: internal
		case le.Code == ldap.CodeInvalid:
			code, msg = bot.EINVALID, le.Reason
		default:
			code = le.Code // spelled as bot's: not_found, conflict, locked, unavailable
		}
	case errors.Is(err, dirremote.ErrNotFound):
		code = bot.ENOTFOUND
	case errors.Is(err, dirremote.ErrConflict):
		code = bot.ECONFLICT
	case errors.Is(err, dirremote.ErrUnavailable):
		code = bot.EUNAVAILABLE
	case dirremote.Reason(err) != "":
		code, msg = bot.EINVALID, dirremote.Reason(err)
	case errors.Is(err, context.DeadlineExceeded):
		code = bot.EUNAVAILABLE // the caller's deadline ran out waiting for the backend
	default:
		return err
	}
	return fmt.Errorf("%w (%w)", &bot.Error{Code: code, Message: msg}, err)
}

// checkedDir maps a driver's errors to the engine's and records whether its
// backend answered.
type checkedDir struct {
	d driver
	b *backend
}

func (c checkedDir) done(err error) error {
	err = seamError(err)
	c.b.seen(err)
	return err
}

func (c checkedDir) Find(ctx context.Context, l bot.Lookup) (string, error) {
	id, err := c.d.Find(ctx, l)
	return id, c.done(err)
}

func (c checkedDir) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	ids, err := c.d.Matches(ctx, dob, zip)
	return ids, c.done(err)
}

func (c checkedDir) Contacts(ctx context.Context, id string) (bot.Contacts, error) {
	ct, err := c.d.Contacts(ctx, id)
	return ct, c.done(err)
}

func (c checkedDir) Account(ctx context.Context, id string) (bot.Account, error) {
	a, err := c.d.Account(ctx, id)
	return a, c.done(err)
}

func (c checkedDir) UsernameFree(ctx context.Context, id, username string) error {
	return c.done(c.d.UsernameFree(ctx, id, username))
}

func (c checkedDir) SetPassword(ctx context.Context, id, password, key string) error {
	return c.done(c.d.SetPassword(ctx, id, password, key))
}

func (c checkedDir) Activate(ctx context.Context, id, username, password, key string) error {
	return c.done(c.d.Activate(ctx, id, username, password, key))
}

func (c checkedDir) Unlock(ctx context.Context, id, key string) error {
	return c.done(c.d.Unlock(ctx, id, key))
}

// checkedFinder is checked for a finder.
type checkedFinder struct {
	f finder
	b *backend
}

func (c checkedFinder) done(err error) error {
	err = seamError(err)
	c.b.seen(err)
	return err
}

func (c checkedFinder) Find(ctx context.Context, l bot.Lookup) (string, error) {
	id, err := c.f.Find(ctx, l)
	return id, c.done(err)
}

func (c checkedFinder) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	ids, err := c.f.Matches(ctx, dob, zip)
	return ids, c.done(err)
}

func (c checkedFinder) Contacts(ctx context.Context, mrn string) (bot.Contacts, error) {
	ct, err := c.f.Contacts(ctx, mrn)
	return ct, c.done(err)
}

func (c checkedFinder) ContactsFromTelecom() bool { return c.f.ContactsFromTelecom() }

// ldapDriver gives the LDAP directory the engine's types.
type ldapDriver struct{ l *ldap.Directory }

func (d ldapDriver) Find(ctx context.Context, l bot.Lookup) (string, error) {
	return d.l.Find(ctx, ldap.Lookup{
		FirstName: l.FirstName, LastName: l.LastName, DOB: l.DOB, ZIP: l.ZIP, Username: l.Username, MRN: l.MRN,
	})
}

func (d ldapDriver) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	return d.l.Matches(ctx, dob, zip)
}

func (d ldapDriver) Contacts(ctx context.Context, id string) (bot.Contacts, error) {
	c, err := d.l.Contacts(ctx, id)
	return bot.Contacts{Email: c.Email, Phone: c.Phone}, err
}

func (d ldapDriver) Account(ctx context.Context, id string) (bot.Account, error) {
	a, err := d.l.Account(ctx, id)
	return bot.Account{RecordID: a.RecordID, Username: a.Username, Status: bot.AccountStatus(a.Status)}, err
}

func (d ldapDriver) UsernameFree(ctx context.Context, id, username string) error {
	return d.l.UsernameFree(ctx, id, username)
}

func (d ldapDriver) SetPassword(ctx context.Context, id, password, key string) error {
	return d.l.SetPassword(ctx, id, password, key)
}

// Activate, and for a reset SetPassword then Unlock: the LDAP driver's
// SetPassword does not lift a lockout, the engine's contract says it does.
func (d ldapDriver) Activate(ctx context.Context, id, username, password, key string) error {
	return d.l.Activate(ctx, id, username, password, key)
}

func (d ldapDriver) Unlock(ctx context.Context, id, key string) error {
	return d.l.Unlock(ctx, id, key)
}

// ldapReset is SetPassword as bot.Directory means it: set, then lift a
// sign-in lockout.
type ldapReset struct{ ldapDriver }

func (d ldapReset) SetPassword(ctx context.Context, id, password, key string) error {
	if err := d.l.SetPassword(ctx, id, password, key); err != nil {
		return err
	}
	if key != "" {
		key += ":unlock" // the driver remembers keys: the set's must not answer the unlock
	}
	return d.l.Unlock(ctx, id, key)
}

// fronted asks the finder first: demographics find an MRN there, and the
// directory is asked by that MRN. A miss asks the directory with a dummy
// MRN, so a hit and a miss make the same calls.
type fronted struct {
	f    finder
	d    bot.Directory
	mrns *mrnMemo // record ID → the MRN the finder gave, for telecom contacts
}

// dummyMRN is asked of the directory on a finder's miss.
const dummyMRN = "portico-no-such-mrn"

func (f *fronted) Find(ctx context.Context, l bot.Lookup) (string, error) {
	if kind, err := l.Kind(); err != nil || kind != bot.LookupByDemographics {
		return f.d.Find(ctx, l) // a username or an MRN: the directory's to find
	}
	mrn, err := f.f.Find(ctx, l)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		_, derr := f.d.Find(ctx, bot.Lookup{MRN: dummyMRN})
		if bot.ErrorCode(derr) == bot.EUNAVAILABLE {
			return "", derr
		}
		return "", err
	case err != nil:
		return "", err
	}
	id, err := f.d.Find(ctx, bot.Lookup{MRN: mrn})
	if err == nil {
		f.mrns.put(id, mrn)
	}
	return id, err
}

// Matches lists the finder's records of that date of birth and ZIP, each
// found in the directory by its MRN.
func (f *fronted) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	mrns, err := f.f.Matches(ctx, dob, zip)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, mrn := range mrns {
		id, err := f.d.Find(ctx, bot.Lookup{MRN: mrn})
		switch {
		case bot.ErrorCode(err) == bot.ENOTFOUND:
			continue
		case err != nil:
			return nil, err
		}
		f.mrns.put(id, mrn)
		ids = append(ids, id)
	}
	return ids, nil
}

// Contacts are the directory's; with finder.fhir.contacts_from_telecom,
// the finder's when the directory has none (asked on a miss too, so that
// both make the same calls).
func (f *fronted) Contacts(ctx context.Context, id string) (bot.Contacts, error) {
	c, err := f.d.Contacts(ctx, id)
	if !f.f.ContactsFromTelecom() || (err != nil && bot.ErrorCode(err) != bot.ENOTFOUND) || c.Email != "" || c.Phone != "" {
		return c, err
	}
	mrn, ok := f.mrns.get(id)
	if !ok {
		mrn = id // directories whose record ID is the MRN (ldap)
	}
	fc, ferr := f.f.Contacts(ctx, mrn)
	if err != nil {
		return c, err
	}
	if ferr != nil && bot.ErrorCode(ferr) != bot.ENOTFOUND {
		return c, ferr
	}
	return fc, nil
}

func (f *fronted) Account(ctx context.Context, id string) (bot.Account, error) {
	return f.d.Account(ctx, id)
}

func (f *fronted) UsernameFree(ctx context.Context, id, username string) error {
	return f.d.UsernameFree(ctx, id, username)
}

func (f *fronted) SetPassword(ctx context.Context, id, password, key string) error {
	return f.d.SetPassword(ctx, id, password, key)
}

func (f *fronted) Activate(ctx context.Context, id, username, password, key string) error {
	return f.d.Activate(ctx, id, username, password, key)
}

func (f *fronted) Unlock(ctx context.Context, id, key string) error {
	return f.d.Unlock(ctx, id, key)
}

// mrnMemoSize bounds the record IDs remembered with their MRNs.
const mrnMemoSize = 10000

// mrnMemo remembers the MRN the finder gave for a record ID, at most n
// of them (the oldest half forgotten when full).
type mrnMemo struct {
	mu       sync.Mutex
	n        int
	cur, old map[string]string
}

func newMRNMemo(n int) *mrnMemo {
	return &mrnMemo{n: n, cur: map[string]string{}, old: map[string]string{}}
}

func (m *mrnMemo) put(id, mrn string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cur) >= m.n/2 {
		m.old, m.cur = m.cur, map[string]string{}
	}
	m.cur[id] = mrn
}

func (m *mrnMemo) get(id string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mrn, ok := m.cur[id]; ok {
		return mrn, true
	}
	mrn, ok := m.old[id]
	return mrn, ok
}

// padded makes every directory call take at least the floor
// (directory.min_latency), found or not.
type padded struct {
	d        bot.Directory
	floor    pad.Floor
	overruns *atomic.Int64
}

func (p padded) wait(ctx context.Context, dl pad.Deadline) {
	if dl.Wait(ctx) > 0 {
		p.overruns.Add(1)
	}
}

func (p padded) Find(ctx context.Context, l bot.Lookup) (string, error) {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.Find(ctx, l)
}

func (p padded) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.Matches(ctx, dob, zip)
}

func (p padded) Contacts(ctx context.Context, id string) (bot.Contacts, error) {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.Contacts(ctx, id)
}

func (p padded) Account(ctx context.Context, id string) (bot.Account, error) {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.Account(ctx, id)
}

func (p padded) UsernameFree(ctx context.Context, id, username string) error {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.UsernameFree(ctx, id, username)
}

func (p padded) SetPassword(ctx context.Context, id, password, key string) error {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.SetPassword(ctx, id, password, key)
}

func (p padded) Activate(ctx context.Context, id, username, password, key string) error {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.Activate(ctx, id, username, password, key)
}

func (p padded) Unlock(ctx context.Context, id, key string) error {
	dl := p.floor.Start()
	defer p.wait(ctx, dl)
	return p.d.Unlock(ctx, id, key)
}

// ready is /readyz: the database answers, and so does every remote
// directory part.
func (a *App) ready(ctx context.Context) error {
	if err := storePing(a.DB)(ctx); err != nil {
		return err
	}
	return a.Directory.ready(ctx)
}

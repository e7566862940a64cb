// Package ldap is Portico's driver for patient accounts kept in an LDAP
// directory: OpenLDAP, 389-DS and other servers that implement the
// Password Modify extended operation (RFC 3062), or Active Directory
// (flavor "ad"). It finds records, reads contacts and account state, and
// sets passwords, activates and unlocks accounts, as the service account,
// so that the server's own password policy applies.
//
// Record IDs are the values of the MRN attribute (employeeNumber by
// default): stable, known to the clinic, and the key Portico keeps
// activation codes under. An entry without exactly one MRN value cannot be
// found, and two entries with the same MRN are found by neither.
//
// Calls go through a pool of bound connections, each operation under a
// timeout, and a circuit breaker; a server that is down, slow or refusing
// yields CodeUnavailable errors, quickly once the breaker is open.
package ldap

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"
)

// Directory is the LDAP or Active Directory account directory. Its methods
// are safe for concurrent use.
type Directory struct {
	cfg     Config
	pool    *pool
	breaker *breaker
	keys    *keySet
	log     zerolog.Logger
	now     func() time.Time
}

// New returns a directory for cfg, which must pass Validate. It dials
// nothing: the first call does, so Portico starts while the directory is
// down (Ping reports it).
func New(cfg Config, log zerolog.Logger) (*Directory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Directory{cfg: cfg, keys: newKeySet(maxRememberedKeys), log: log, now: time.Now}
	p, err := newPool(cfg, d.clock)
	if err != nil {
		return nil, err
	}
	d.pool = p
	d.breaker = newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, d.clock, func(from, to string) {
		ev := log.Info()
		if to == breakerOpen {
			ev = log.Warn()
		}
		ev.Str("from", from).Str("to", to).Msg("ldap directory breaker")
	})
	return d, nil
}

func (d *Directory) clock() time.Time { return d.now() }

// Close closes the pooled connections. Calls after Close fail with
// CodeUnavailable.
func (d *Directory) Close() error {
	d.pool.close()
	return nil
}

// Ping checks that the directory answers, through the breaker: for
// /readyz and for start-up.
func (d *Directory) Ping(ctx context.Context) error {
	return d.call(ctx, "ping", func(c *conn) error { return c.check(ctx) })
}

// Available reports whether calls go to the server: false while the
// breaker is open after repeated failures.
func (d *Directory) Available() bool { return d.breaker.current() != breakerOpen }

// call runs fn on a pooled connection under the breaker, and turns its
// failures into *Error: transport failures, timeouts and an open breaker
// are CodeUnavailable; an *Error from fn passes through; any other LDAP
// result is CodeInternal (a refusal the driver did not expect, such as
// missing access rights), logged for the operator with the server's text.
func (d *Directory) call(ctx context.Context, op string, fn func(*conn) error) error {
	if !d.breaker.allow() {
		return unavailable()
	}
	c, err := d.pool.get(ctx)
	if err == nil {
		err = fn(c)
		var known *Error
		d.pool.put(c, errors.As(err, &known) || !transportFailed(err))
	}
	var known *Error
	switch {
	case err == nil:
		d.breaker.success()
		return nil
	case errors.As(err, &known):
		d.breaker.success()
		return err
	case errors.Is(err, context.Canceled) || ctx.Err() == context.Canceled:
		d.breaker.abandon()
		return unavailable()
	case errors.Is(err, errPoolClosed):
		d.breaker.abandon()
		return unavailable()
	case transportFailed(err):
		d.pool.drain()
		d.breaker.failure()
		ev := d.log.Warn()
		if errors.Is(err, errServiceBind) {
			ev = d.log.Error()
		}
		ev.Err(err).Str("op", op).Msg("ldap directory unavailable")
		return unavailable()
	default:
		d.breaker.success()
		d.log.Error().Err(err).Str("op", op).Msg("ldap directory refused a request")
		return internal()
	}
}

// Limits of values and results.
const (
	maxValueLen       = 256   // bytes of any value put in a filter
	maxPasswordLen    = 1024  // bytes; far above any policy's maximum
	maxCandidates     = 50    // entries sharing one date of birth and ZIP that Find compares
	maxMatches        = 100   // records Matches returns
	maxRememberedKeys = 10000 // idempotency keys of completed changes kept in memory
)

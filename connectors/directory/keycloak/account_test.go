package keycloak

import (
	"context"
	"errors"
	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

func TestAccountStatus(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	for _, tc := range []struct {
		name, id, username string
		want               remote.Status
	}{
		{"disabled with activation pending", p.pending, "a-1001", remote.StatusPending},
		{"enabled", p.active, "olivia.active", remote.StatusActive},
		{"enabled, brute-force lockout", p.locked, "leo.locked", remote.StatusLocked},
		{"disabled by staff", p.disabled, "dan.disabled", remote.StatusDisabled},
		{"disabled by a permanent lockout", p.permanent, "pat.permanent", remote.StatusLocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Account(context.Background(), tc.id)
			if err != nil || got.Status != tc.want || got.Username != tc.username {
				t.Errorf("got %+v, %v; want %s %s", got, err, tc.username, tc.want)
			}
		})
	}
	if _, err := d.Account(context.Background(), "no-such-user"); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("unknown user: got %v, want ErrNotFound", err)
	}
}

func TestContacts(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	unverified := f.Add(keycloaktest.User{Username: "u.unverified", Email: "typed@example.org", Enabled: true,
		Attributes: attrs("1999-01-01", "12345", "A-2001", "phoneNumber", "call me maybe")})
	strict := newDir(t, f, nil)
	lenient := newDir(t, f, func(c *Config) { c.AcceptUnverifiedEmail = true })
	for _, tc := range []struct {
		name string
		d    *Directory
		id   string
		want remote.Contacts
	}{
		{"verified email, US phone normalised", strict, p.pending, remote.Contacts{Email: "ada@example.org", Phone: "+12025550143"}},
		{"E.164 phone", strict, p.active, remote.Contacts{Email: "olivia@example.org", Phone: "+12025550144"}},
		{"unverified email left out, unreadable phone left out", strict, unverified, remote.Contacts{}},
		{"unverified email accepted when configured", lenient, unverified, remote.Contacts{Email: "typed@example.org"}},
		{"no contacts", strict, p.locked, remote.Contacts{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.d.Contacts(context.Background(), tc.id)
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestUsernameFree(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	fixed := newDir(t, f, func(c *Config) { c.FixedUsername = true })
	for _, tc := range []struct {
		name         string
		d            *Directory
		id, username string
		reason       string // "" for free
	}{
		{"free", d, p.pending, "ada.lee", ""},
		{"taken, other case", d, p.pending, "Olivia.Active", remote.ReasonUsernameTaken},
		{"own username", d, p.active, "olivia.active", ""},
		{"space", d, p.pending, "ada lee", remote.ReasonUsernameFormat},
		{"look-alike letter", d, p.pending, "аda.lee", remote.ReasonUsernameFormat}, // Cyrillic а
		{"too short", d, p.pending, "ad", remote.ReasonUsernameFormat},
		{"fixed: own username", fixed, p.pending, "A-1001", ""},
		{"fixed: another", fixed, p.pending, "ada.lee", remote.ReasonOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.UsernameFree(context.Background(), tc.id, tc.username)
			if got := remote.Reason(err); got != tc.reason || tc.reason == "" && err != nil {
				t.Errorf("got %v (reason %q), want reason %q", err, got, tc.reason)
			}
		})
	}
}

package keycloak

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Contacts returns the email, only if Keycloak marks it verified (unless
// accept_unverified_email), and the phone attribute in E.164. A phone
// that cannot be read as a number is left out, never guessed.
func (d *Directory) Contacts(ctx context.Context, id string) (remote.Contacts, error) {
	var c remote.Contacts
	err := d.breaker.Do(ctx, func(ctx context.Context) error {
		u, _, err := d.getUser(ctx, id)
		if err != nil {
			return err
		}
		if a, perr := mail.ParseAddress(u.Email); perr == nil && a.Address == u.Email && (u.EmailVerified || d.cfg.AcceptUnverifiedEmail) {
			c.Email = u.Email
		}
		if raw := u.attr(d.cfg.Attributes.Phone); raw != "" {
			if p, ok := remote.NormalizePhone(raw); ok {
				c.Phone = p
			} else {
				d.log.Warn().Msg("a user's phone attribute is not a phone number; left out")
			}
		}
		return nil
	})
	if err != nil {
		return remote.Contacts{}, fmt.Errorf("contacts: %w", err)
	}
	return c, nil
}

// Account returns the username and state.
func (d *Directory) Account(ctx context.Context, id string) (remote.Account, error) {
	var acc remote.Account
	err := d.breaker.Do(ctx, func(ctx context.Context) error {
		u, _, st, err := d.account(ctx, id)
		acc = remote.Account{Username: u.Username, Status: st}
		return err
	})
	if err != nil {
		return remote.Account{}, fmt.Errorf("account: %w", err)
	}
	return acc, nil
}

// usernameFormat is Portico's username rule: 3 to 64 ASCII letters,
// digits and . _ - @, starting with a letter or digit (no look-alike
// letters from other alphabets). Keycloak applies its own rules too.
var usernameFormat = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$`)

// UsernameFree returns nil when user id may take username: the format is
// allowed and no other user has it (Keycloak's usernames ignore case).
// With fixed_username only the user's own username is free.
func (d *Directory) UsernameFree(ctx context.Context, id, username string) error {
	username = strings.TrimSpace(username)
	if !usernameFormat.MatchString(username) {
		return remote.Invalid(remote.ReasonUsernameFormat)
	}
	err := d.breaker.Do(ctx, func(ctx context.Context) error {
		if d.cfg.FixedUsername {
			u, _, err := d.getUser(ctx, id)
			if err == nil && !strings.EqualFold(u.Username, username) {
				return remote.Invalid(remote.ReasonOther) // the realm assigns usernames
			}
			return err
		}
		users, err := d.search(ctx, url.Values{"username": {username}})
		if err != nil {
			return err
		}
		for _, u := range users {
			if strings.EqualFold(u.Username, username) && u.ID != id {
				return remote.Invalid(remote.ReasonUsernameTaken)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("username check: %w", err)
	}
	return nil
}

// credential is a CredentialRepresentation as GET …/credentials answers.
type credential struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	UserLabel string `json:"userLabel"`
}

// password returns the user's password credential, if any.
func (d *Directory) password(ctx context.Context, id string) (credential, error) {
	r := request{method: http.MethodGet, path: userPath(id, "/credentials")}
	a, err := d.do(ctx, r)
	if err != nil {
		return credential{}, err
	}
	if a.status == http.StatusNotFound {
		return credential{}, remote.ErrNotFound
	}
	var creds []credential
	if err := decode(r, a, &creds); err != nil {
		return credential{}, err
	}
	for _, c := range creds {
		if c.Type == "password" {
			return c, nil
		}
	}
	return credential{}, nil
}

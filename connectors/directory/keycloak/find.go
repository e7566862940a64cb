package keycloak

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
	"github.com/portico-chat/portico/flows"
)

// Find returns the ID of the one user matching l; none or several is
// remote.ErrNotFound. Each form is one paged search, then every
// candidate is compared here in full (names folded: case, accents,
// spaces and punctuation ignored), so a hit and a miss cost the same
// calls.
func (d *Directory) Find(ctx context.Context, l remote.Lookup) (string, error) {
	kind, err := l.Kind()
	if err != nil {
		return "", err
	}
	at := d.cfg.Attributes
	var found []user
	err = d.breaker.Do(ctx, func(ctx context.Context) error {
		var users []user
		var err error
		switch kind {
		case remote.ByMRN:
			mrn := strings.TrimSpace(l.MRN)
			users, err = d.search(ctx, url.Values{"q": {attrQuery(at.MRN, mrn)}})
			found = keep(users, func(u user) bool { return u.attr(at.MRN) == mrn })
		case remote.ByUsername:
			users, err = d.search(ctx, url.Values{"username": {strings.TrimSpace(l.Username)}})
			found = keep(users, func(u user) bool {
				name := strings.EqualFold(u.Username, strings.TrimSpace(l.Username))
				dob := u.attr(at.DOB) == l.DOB
				zip := l.ZIP == "" || u.attr(at.ZIP) == l.ZIP
				return name && dob && zip
			})
		default:
			users, err = d.byDOBAndZIP(ctx, l.DOB, l.ZIP)
			first, last := flows.FoldName(l.FirstName), flows.FoldName(l.LastName)
			found = keep(users, func(u user) bool {
				f, g := flows.FoldName(u.FirstName) == first, flows.FoldName(u.LastName) == last
				return f && g
			})
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	if len(found) != 1 {
		return "", fmt.Errorf("find: %d users: %w", len(found), remote.ErrNotFound)
	}
	return found[0].ID, nil
}

// Matches returns every user with that date of birth and ZIP.
func (d *Directory) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	var ids []string
	err := d.breaker.Do(ctx, func(ctx context.Context) error {
		users, err := d.byDOBAndZIP(ctx, dob, zip)
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("matches: %w", err)
	}
	return ids, nil
}

package keycloak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Search limits.
const (
	pageSize = 100
	// maxCandidates bounds one search: more users with one date of birth
	// and ZIP (or one MRN) than this is a realm Portico does not
	// understand, not a patient to guess among.
	maxCandidates = 1000
)

// user is the part of a UserRepresentation Portico reads.
type user struct {
	ID              string              `json:"id"`
	Username        string              `json:"username"`
	Enabled         bool                `json:"enabled"`
	EmailVerified   bool                `json:"emailVerified"`
	Email           string              `json:"email"`
	FirstName       string              `json:"firstName"`
	LastName        string              `json:"lastName"`
	Attributes      map[string][]string `json:"attributes"`
	RequiredActions []string            `json:"requiredActions"`
}

// attr returns the first value of an attribute, or "".
func (u user) attr(name string) string {
	if v := u.Attributes[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// search pages through GET /users with q and its other parameters.
func (d *Directory) search(ctx context.Context, q url.Values) ([]user, error) {
	q.Set("briefRepresentation", "false") // attributes are needed
	q.Set("exact", "true")
	q.Set("max", strconv.Itoa(pageSize))
	var all []user
	for first := 0; ; first += pageSize {
		q.Set("first", strconv.Itoa(first))
		r := request{method: http.MethodGet, path: "/users", query: q}
		a, err := d.do(ctx, r)
		if err != nil {
			return nil, err
		}
		var page []user
		if err := decode(r, a, &page); err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all, nil
		}
		if len(all) >= maxCandidates {
			return nil, fmt.Errorf("keycloak: a search matched more than %d users", maxCandidates)
		}
	}
}

// attrQuery is Keycloak's q parameter for exact attribute values:
// name:"value" pairs, values quoted with \ and " escaped.
func attrQuery(pairs ...string) string {
	var terms []string
	for i := 0; i+1 < len(pairs); i += 2 {
		v := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(pairs[i+1])
		terms = append(terms, pairs[i]+`:"`+v+`"`)
	}
	return strings.Join(terms, " ")
}

// byDOBAndZIP is every user whose date-of-birth and ZIP attributes are
// exactly these (Keycloak's search is checked again here).
func (d *Directory) byDOBAndZIP(ctx context.Context, dob, zip string) ([]user, error) {
	at := d.cfg.Attributes
	users, err := d.search(ctx, url.Values{"q": {attrQuery(at.DOB, dob, at.ZIP, zip)}})
	if err != nil {
		return nil, err
	}
	return keep(users, func(u user) bool { return u.attr(at.DOB) == dob && u.attr(at.ZIP) == zip }), nil
}

func keep(users []user, ok func(user) bool) []user {
	var out []user
	for _, u := range users {
		if ok(u) {
			out = append(out, u)
		}
	}
	return out
}

// getUser reads one user, or remote.ErrNotFound.
func (d *Directory) getUser(ctx context.Context, id string) (user, map[string]any, error) {
	r := request{method: http.MethodGet, path: userPath(id, "")}
	a, err := d.do(ctx, r)
	if err != nil {
		return user{}, nil, err
	}
	if a.status == http.StatusNotFound {
		return user{}, nil, fmt.Errorf("keycloak user: %w", remote.ErrNotFound)
	}
	var u user
	if err := decode(r, a, &u); err != nil {
		return user{}, nil, err
	}
	var raw map[string]any // the whole representation, to send back changed
	if err := json.Unmarshal(a.body, &raw); err != nil {
		return user{}, nil, err
	}
	return u, raw, nil
}

// bruteForce is GET /attack-detection/brute-force/users/{id}.
type bruteForce struct {
	NumFailures int  `json:"numFailures"`
	Disabled    bool `json:"disabled"`
}

func (d *Directory) lockedOut(ctx context.Context, id string) (bool, error) {
	r := request{method: http.MethodGet, path: "/attack-detection/brute-force" + userPath(id, "")}
	a, err := d.do(ctx, r)
	if err != nil {
		return false, err
	}
	var bf bruteForce
	if err := decode(r, a, &bf); err != nil {
		return false, err
	}
	return bf.Disabled, nil
}

// Keycloak marks a user it disabled after too many failures (permanent
// lockout) with this attribute, so it is told apart from staff disabling.
const (
	disabledReason    = "disabledReason"
	permanentLockout  = "permanentLockout"
	activationPending = "pending"
)

// status maps a user and its brute-force state to the seam's states:
// pending is disabled with the activation attribute "pending"; locked is
// Keycloak's temporary or permanent lockout; other disabled users are
// disabled.
func (d *Directory) status(u user, lockedOut bool) remote.Status {
	switch {
	case !u.Enabled && u.attr(d.cfg.Attributes.Activation) == activationPending:
		return remote.StatusPending
	case !u.Enabled && u.attr(disabledReason) == permanentLockout:
		return remote.StatusLocked
	case !u.Enabled:
		return remote.StatusDisabled
	case lockedOut:
		return remote.StatusLocked
	default:
		return remote.StatusActive
	}
}

// account reads a user and its state.
func (d *Directory) account(ctx context.Context, id string) (user, map[string]any, remote.Status, error) {
	u, raw, err := d.getUser(ctx, id)
	if err != nil {
		return u, nil, "", err
	}
	locked, err := d.lockedOut(ctx, id)
	if err != nil {
		return u, nil, "", err
	}
	return u, raw, d.status(u, locked), nil
}

var errNoKey = errors.New("keycloak: a change needs an idempotency key")

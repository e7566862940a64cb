package keycloak

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// upConfig is the realm's user profile (UPConfig), as
// GET /admin/realms/{realm}/users/profile answers it.
type upConfig struct {
	Attributes []upAttribute `json:"attributes"`
}

type upAttribute struct {
	Name        string `json:"name"`
	Permissions struct {
		View []string `json:"view"`
		Edit []string `json:"edit"`
	} `json:"permissions"`
	Multivalued bool `json:"multivalued"`
}

// checkProfile refuses a realm whose user profile does not declare the
// attributes Portico needs, or does not let admins (the service account)
// see them, or edit the activation attribute. It names every problem at
// once, with the configuration key to change.
func (d *Directory) checkProfile(ctx context.Context) error {
	r := request{method: http.MethodGet, path: "/users/profile"}
	a, err := d.do(ctx, r)
	if err != nil {
		return fmt.Errorf("keycloak: read the user profile of realm %q: %w", d.cfg.Realm, err)
	}
	if a.status == http.StatusNotFound {
		return fmt.Errorf("keycloak: realm %q not found at %s (directory.keycloak.realm, directory.keycloak.url)", d.cfg.Realm, d.base)
	}
	var up upConfig
	if err := decode(r, a, &up); err != nil {
		return fmt.Errorf("keycloak: read the user profile of realm %q: %w", d.cfg.Realm, err)
	}
	declared := map[string]upAttribute{}
	for _, at := range up.Attributes {
		declared[at.Name] = at
	}
	at := d.cfg.Attributes
	var problems []string
	for _, need := range []struct {
		key, name string
		edit      bool
	}{
		{"dob", at.DOB, false}, {"zip", at.ZIP, false}, {"mrn", at.MRN, false},
		{"phone", at.Phone, false}, {"activation", at.Activation, true},
	} {
		got, ok := declared[need.name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("attribute %q (directory.keycloak.attributes.%s) is not declared", need.name, need.key))
		case need.edit && !slices.Contains(got.Permissions.Edit, "admin"):
			problems = append(problems, fmt.Sprintf("attribute %q (directory.keycloak.attributes.%s) is not editable by admins", need.name, need.key))
		case !slices.Contains(got.Permissions.View, "admin") && !slices.Contains(got.Permissions.Edit, "admin"):
			problems = append(problems, fmt.Sprintf("attribute %q (directory.keycloak.attributes.%s) is not visible to admins", need.name, need.key))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("keycloak: realm %q user profile: %s; declare them under Realm settings → User profile (docs/directories.md, Keycloak)",
			d.cfg.Realm, strings.Join(problems, "; "))
	}
	return nil
}

package keycloak

import (
	"encoding/json"
	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"os"
	"slices"
	"testing"
)

// TestRealmExport: testdata/realm-export.json sets up what the driver
// needs and no more: a confidential client with only a service account,
// whose roles are view-users and manage-users, and a user profile
// declaring the default attributes (checked by every New against the
// fake, which serves the export's profile).
func TestRealmExport(t *testing.T) {
	data, err := os.ReadFile("testdata/realm-export.json")
	if err != nil {
		t.Fatal(err)
	}
	var export struct {
		Realm               string `json:"realm"`
		BruteForceProtected bool   `json:"bruteForceProtected"`
		EditUsernameAllowed bool   `json:"editUsernameAllowed"`
		Clients             []struct {
			ClientID                  string `json:"clientId"`
			PublicClient              bool   `json:"publicClient"`
			ServiceAccountsEnabled    bool   `json:"serviceAccountsEnabled"`
			StandardFlowEnabled       bool   `json:"standardFlowEnabled"`
			ImplicitFlowEnabled       bool   `json:"implicitFlowEnabled"`
			DirectAccessGrantsEnabled bool   `json:"directAccessGrantsEnabled"`
		} `json:"clients"`
		Users []struct {
			Username               string              `json:"username"`
			ServiceAccountClientID string              `json:"serviceAccountClientId"`
			RealmRoles             []string            `json:"realmRoles"`
			ClientRoles            map[string][]string `json:"clientRoles"`
			Enabled                bool                `json:"enabled"`
			Attributes             map[string][]string `json:"attributes"`
		} `json:"users"`
	}
	if err := json.Unmarshal(data, &export); err != nil {
		t.Fatal(err)
	}
	if export.Realm != "clinic" || !export.BruteForceProtected || !export.EditUsernameAllowed {
		t.Errorf("realm %q, brute force %v, edit username %v; want clinic, true, true", export.Realm, export.BruteForceProtected, export.EditUsernameAllowed)
	}
	if len(export.Clients) != 1 {
		t.Fatalf("%d clients, want portico only", len(export.Clients))
	}
	c := export.Clients[0]
	if c.ClientID != "portico" || c.PublicClient || !c.ServiceAccountsEnabled || c.StandardFlowEnabled || c.ImplicitFlowEnabled || c.DirectAccessGrantsEnabled {
		t.Errorf("client %+v: want a confidential client with a service account and no login flows", c)
	}
	var sa, pending int
	for _, u := range export.Users {
		if u.ServiceAccountClientID == "portico" {
			sa++
			roles := slices.Clone(u.ClientRoles["realm-management"])
			slices.Sort(roles)
			if !slices.Equal(roles, []string{"manage-users", "view-users"}) || len(u.ClientRoles) != 1 || len(u.RealmRoles) != 0 {
				t.Errorf("service account roles %v %v: want realm-management view-users and manage-users only", u.ClientRoles, u.RealmRoles)
			}
		}
		if !u.Enabled && slices.Equal(u.Attributes[DefaultAttributes.Activation], []string{"pending"}) {
			pending++
		}
	}
	if sa != 1 || pending != 1 {
		t.Errorf("service accounts %d, pending example users %d; want 1 and 1", sa, pending)
	}
	profile := keycloaktest.ExportProfile(t)
	declared := map[string]bool{}
	for _, a := range profile["attributes"].([]any) {
		declared[a.(map[string]any)["name"].(string)] = true
	}
	d := DefaultAttributes
	for _, name := range []string{d.DOB, d.ZIP, d.MRN, d.Phone, d.Activation} {
		if !declared[name] {
			t.Errorf("the export's user profile does not declare %q", name)
		}
	}
}

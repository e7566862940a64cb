package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/pad"
)

func TestDirectoryConfigDefaultsToLocal(t *testing.T) {
	cfg, err := loadConfig(newViper(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Directory
	if d.Driver != driverLocal || d.Finder != finderNone || d.MinLatency != 0 {
		t.Errorf("directory %q finder %q min_latency %v, want local, none, 0", d.Driver, d.Finder, d.MinLatency)
	}
}

func TestDirectoryConfigReadsTheChosenDriver(t *testing.T) {
	t.Setenv("PORTICO_DIRECTORY_DRIVER", "ldap")
	t.Setenv("PORTICO_DIRECTORY_LDAP_URL", "ldaps://ldap.clinic.example")
	t.Setenv("PORTICO_DIRECTORY_LDAP_BIND_DN", "cn=portico,ou=services,dc=clinic,dc=example")
	t.Setenv("PORTICO_DIRECTORY_LDAP_BIND_PASSWORD", "ldap-service-s3cret")
	t.Setenv("PORTICO_DIRECTORY_LDAP_BASE_DN", "ou=patients,dc=clinic,dc=example")
	t.Setenv("PORTICO_DIRECTORY_LDAP_ATTRIBUTES_MRN", "employeeID")
	t.Setenv("PORTICO_FINDER_DRIVER", "fhir")
	t.Setenv("PORTICO_FINDER_FHIR_URL", "https://ehr.clinic.example/fhir/r4")
	t.Setenv("PORTICO_FINDER_FHIR_IDENTIFIER_SYSTEM", "urn:oid:1.2.3")
	cfg, err := loadConfig(newViper(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Directory
	if d.Driver != driverLDAP || d.LDAP.URL != "ldaps://ldap.clinic.example" || d.LDAP.Attributes.MRN != "employeeID" ||
		d.LDAP.Attributes.Username != "uid" || string(d.LDAP.BindPassword) != "ldap-service-s3cret" {
		t.Errorf("ldap settings %+v", d.LDAP)
	}
	if d.Finder != finderFHIR || d.FHIR.Mode != "search" || d.FHIR.IdentifierSystem != "urn:oid:1.2.3" {
		t.Errorf("finder settings %+v", d.FHIR)
	}
	if d.MinLatency != pad.DefaultMin {
		t.Errorf("min_latency %v, want the remote default %v", d.MinLatency, pad.DefaultMin)
	}
}

func TestDirectoryConfigBadValuesNameTheKey(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown driver", map[string]string{"PORTICO_DIRECTORY_DRIVER": "oracle"}, "directory.driver:"},
		{"unknown finder", map[string]string{"PORTICO_FINDER_DRIVER": "hl7v2"}, "finder.driver:"},
		{"negative floor", map[string]string{"PORTICO_DIRECTORY_MIN_LATENCY": "-1s"}, "directory.min_latency:"},
		{"ldap without url", map[string]string{"PORTICO_DIRECTORY_DRIVER": "ldap"}, "directory.ldap.url:"},
		{"ad without tls", map[string]string{
			"PORTICO_DIRECTORY_DRIVER": "ldap", "PORTICO_DIRECTORY_LDAP_FLAVOR": "ad", "PORTICO_DIRECTORY_LDAP_URL": "ldap://dc1:389",
			"PORTICO_DIRECTORY_LDAP_BIND_DN": "cn=x", "PORTICO_DIRECTORY_LDAP_BIND_PASSWORD": "x", "PORTICO_DIRECTORY_LDAP_BASE_DN": "dc=x",
		}, "directory.ldap."},
		{"bridge without secret", map[string]string{"PORTICO_DIRECTORY_DRIVER": "bridge", "PORTICO_DIRECTORY_BRIDGE_URL": "https://b.example"}, "directory.bridge.secret:"},
		{"bridge half mtls", map[string]string{
			"PORTICO_DIRECTORY_DRIVER": "bridge", "PORTICO_DIRECTORY_BRIDGE_URL": "https://b.example",
			"PORTICO_DIRECTORY_BRIDGE_SECRET": strings.Repeat("k", 32), "PORTICO_DIRECTORY_BRIDGE_CLIENT_CERT": "c.pem",
		}, "directory.bridge.client_cert:"},
		{"keycloak without realm", map[string]string{
			"PORTICO_DIRECTORY_DRIVER": "keycloak", "PORTICO_DIRECTORY_KEYCLOAK_URL": "https://id.example",
			"PORTICO_DIRECTORY_KEYCLOAK_CLIENT_ID": "portico", "PORTICO_DIRECTORY_KEYCLOAK_CLIENT_SECRET": "x",
		}, "directory.keycloak.realm:"},
		{"fhir bad mode", map[string]string{
			"PORTICO_FINDER_DRIVER": "fhir", "PORTICO_FINDER_FHIR_URL": "https://ehr.example", "PORTICO_FINDER_FHIR_IDENTIFIER_SYSTEM": "urn:x",
			"PORTICO_FINDER_FHIR_MODE": "guess",
		}, "finder.fhir.mode:"},
		{"fhir bad timeout", map[string]string{
			"PORTICO_FINDER_DRIVER": "fhir", "PORTICO_FINDER_FHIR_URL": "https://ehr.example", "PORTICO_FINDER_FHIR_IDENTIFIER_SYSTEM": "urn:x",
			"PORTICO_FINDER_FHIR_TIMEOUT": "soon",
		}, "finder.fhir.timeout:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			_, err := loadConfig(newViper(nil), "")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %s", err, c.want)
			}
		})
	}
}

func TestConfigPrintMasksDirectorySecrets(t *testing.T) {
	secrets := map[string]string{
		"PORTICO_DIRECTORY_LDAP_BIND_PASSWORD":     "ldap-bind-s3cret",
		"PORTICO_DIRECTORY_BRIDGE_SECRET":          "bridge-hmac-s3cret-0123456789abcdef",
		"PORTICO_DIRECTORY_KEYCLOAK_CLIENT_SECRET": "keycloak-client-s3cret",
		"PORTICO_FINDER_FHIR_TOKEN":                "fhir-bearer-s3cret",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	out, err := run(t, "config", "print")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range secrets {
		if strings.Contains(out, v) {
			t.Errorf("config print shows %q", v)
		}
	}
	for _, line := range []string{
		"directory.ldap.bind_password: ********", "directory.bridge.secret: ********",
		"directory.keycloak.client_secret: ********", "finder.fhir.token: ********",
		"directory.driver: local", "directory.min_latency: 0s", "finder.driver: none",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("config print lacks %q", line)
		}
	}
}

// TestKeycloakMissingAttributeRefusesToStart: a realm whose user profile
// does not declare an attribute Portico needs stops the server at start,
// with the attribute named.
func TestKeycloakMissingAttributeRefusesToStart(t *testing.T) {
	kc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/protocol/openid-connect/token"):
			json.NewEncoder(w).Encode(map[string]any{"access_token": "t", "token_type": "Bearer", "expires_in": 300})
		case strings.HasSuffix(r.URL.Path, "/users/profile"):
			attrs := []map[string]any{}
			for _, n := range []string{"username", "email", "firstName", "lastName", "postal_code", "mrn", "phoneNumber", "porticoActivation"} {
				attrs = append(attrs, map[string]any{"name": n, "permissions": map[string]any{"view": []string{"admin"}, "edit": []string{"admin"}}})
			}
			json.NewEncoder(w).Encode(map[string]any{"attributes": attrs})
		default:
			http.NotFound(w, r)
		}
	}))
	defer kc.Close()
	v := newViper(nil)
	for k, val := range map[string]string{
		"directory.driver": "keycloak", "directory.keycloak.url": kc.URL, "directory.keycloak.realm": "clinic",
		"directory.keycloak.client_id": "portico", "directory.keycloak.client_secret": "kc-s3cret",
	} {
		v.Set(k, val)
	}
	cfg, err := loadConfig(v, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = openDirectory(ctx, cfg.Directory, nil, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), `"birthdate"`) || !strings.Contains(err.Error(), "refuses to start") {
		t.Fatalf("got %v, want a refusal naming the birthdate attribute", err)
	}
	t.Logf("refusal: %v", err)
	if strings.Contains(err.Error(), "kc-s3cret") {
		t.Errorf("error shows the client secret: %v", err)
	}
}

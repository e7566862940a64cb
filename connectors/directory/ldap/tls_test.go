package ldap

import (
	"testing"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

func TestTLS(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{TLS: true})
	ctx := testContext(t)
	tests := []struct {
		name string
		edit func(*Config)
		code string
	}{
		{"ldaps with the CA", func(c *Config) { c.URL, c.CAFile = srv.LDAPSURL, srv.CAFile }, ""},
		{"starttls with the CA", func(c *Config) { c.StartTLS, c.CAFile = true, srv.CAFile }, ""},
		{"ldaps without the CA: certificate not trusted", func(c *Config) { c.URL = srv.LDAPSURL }, CodeUnavailable},
		{"starttls without the CA: certificate not trusted", func(c *Config) { c.StartTLS = true }, CodeUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := slapdConfig(srv)
			tt.edit(&cfg)
			d := newDirectory(t, cfg)
			id, err := d.Find(ctx, Lookup{MRN: "DEMO-1011"})
			if tt.code != "" {
				wantCode(t, "Find", err, tt.code, "")
				return
			}
			if err != nil || id != "DEMO-1011" {
				t.Fatalf("Find = %q, %v", id, err)
			}
			if err := d.SetPassword(ctx, "DEMO-1011", goodPassword+" "+tt.name, ""); err != nil {
				t.Fatalf("SetPassword over TLS: %v", err)
			}
		})
	}
}

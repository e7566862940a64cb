package ldap

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

// Whatever goes wrong, neither the service account's password nor a
// patient's password appears in the log or in an error.
func TestNoPasswordInLogsOrErrors(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testContext(t)
	var logs bytes.Buffer
	log := zerolog.New(&logs).Level(zerolog.DebugLevel)
	var errs []string
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}

	wrong := slapdConfig(srv)
	wrong.BindPassword = "wrong service password 8c1f"
	d, err := New(wrong, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.Find(ctx, Lookup{MRN: "DEMO-1011"})
	keep(err)

	good, err := New(slapdConfig(srv), log)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	patientPasswords := []string{shortPassword, goodPassword + " secret 41", "Another secret passphrase 77"}
	keep(good.SetPassword(ctx, "DEMO-1012", patientPasswords[0], "s:1"))
	keep(good.SetPassword(ctx, "DEMO-1012", patientPasswords[1], "s:2"))
	keep(good.Activate(ctx, "DEMO-1001", "ana.t", patientPasswords[0], "s:3"))
	srv.Stop()
	keep(good.SetPassword(ctx, "DEMO-1012", patientPasswords[2], "s:4"))
	keep(good.Activate(ctx, "DEMO-1002", "jose.n", patientPasswords[2], "s:5"))

	if len(errs) < 4 || logs.Len() == 0 {
		t.Fatalf("the scenario produced %d errors and %d bytes of log; want failures to inspect", len(errs), logs.Len())
	}
	secrets := append([]string{slapdtest.ServicePassword, string(wrong.BindPassword)}, patientPasswords...)
	all := logs.String() + "\n" + strings.Join(errs, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("%q appears in the log or an error:\n%s", s, all)
		}
	}
	if !strings.Contains(logs.String(), "refused the service account") {
		t.Errorf("log does not say the service bind was refused:\n%s", logs.String())
	}
}

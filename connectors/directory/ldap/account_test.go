package ldap

import (
	"slices"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

func TestAccountReadsAgainstSlapd(t *testing.T) {
	_, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)

	t.Run("contacts", func(t *testing.T) {
		tests := []struct {
			id   string
			want Contacts
		}{
			{"DEMO-1001", Contacts{Email: "ana.testcase@example.org", Phone: "+16175550101"}},
			{"DEMO-1006", Contacts{Email: "ella.emailonly@example.com"}},
			{"DEMO-1007", Contacts{Phone: "+15125550107"}},
			{"DEMO-1008", Contacts{}},
		}
		for _, tt := range tests {
			got, err := d.Contacts(ctx, tt.id)
			if err != nil || got != tt.want {
				t.Errorf("Contacts(%s) = %+v, %v; want %+v", tt.id, got, err, tt.want)
			}
		}
		_, err := d.Contacts(ctx, "DEMO-9999")
		wantCode(t, "Contacts of an unknown record", err, CodeNotFound, "")
		_, err = d.Contacts(ctx, "DEMO-1033")
		wantCode(t, "Contacts of an MRN on two entries", err, CodeNotFound, "")
	})

	t.Run("account status", func(t *testing.T) {
		tests := []struct {
			id   string
			want Account
		}{
			{"DEMO-1001", Account{RecordID: "DEMO-1001", Status: StatusPending}},
			{"DEMO-1021", Account{RecordID: "DEMO-1021", Status: StatusPending}},
			{"DEMO-1011", Account{RecordID: "DEMO-1011", Username: "olivia.active", Status: StatusActive}},
			{"DEMO-1016", Account{RecordID: "DEMO-1016", Username: "liam.locked", Status: StatusLocked}},
			{"DEMO-1018", Account{RecordID: "DEMO-1018", Username: "derek.d", Status: StatusDisabled}},
			{"DEMO-1019", Account{RecordID: "DEMO-1019", Status: StatusDisabled}}, // ppolicy's permanent lock
		}
		for _, tt := range tests {
			got, err := d.Account(ctx, tt.id)
			if err != nil || got != tt.want {
				t.Errorf("Account(%s) = %+v, %v; want %+v", tt.id, got, err, tt.want)
			}
		}
	})

	t.Run("matches", func(t *testing.T) {
		tests := []struct {
			dob, zip string
			want     []string
		}{
			{"2012-04-01", "60601", []string{"DEMO-1004", "DEMO-1005"}},
			{"1981-12-03", "21201", []string{"DEMO-1028"}}, // ZIP+4 on file
			{"1944-04-04", "30301", []string{"DEMO-1033"}}, // two entries, one record ID
			{"1980-01-02", "99999", nil},
		}
		for _, tt := range tests {
			got, err := d.Matches(ctx, tt.dob, tt.zip)
			slices.Sort(got)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Matches(%s, %s) = %v, %v; want %v", tt.dob, tt.zip, got, err, tt.want)
			}
		}
		_, err := d.Matches(ctx, "1980-13-02", "02139")
		wantCode(t, "Matches with a bad date", err, CodeInvalid, ReasonLookup)
	})

	t.Run("username free", func(t *testing.T) {
		tests := []struct {
			id, username string
			reason       string // "" for free
		}{
			{"DEMO-1001", "ana.t", ""},
			{"DEMO-1011", "olivia.active", ""}, // its own
			{"DEMO-1001", "olivia.active", ReasonUsernameTaken},
			{"DEMO-1001", "OLIVIA.ACTIVE", ReasonUsernameTaken}, // uid compares ignoring case
			{"DEMO-1001", "ab", ReasonUsernameFormat},
			{"DEMO-1001", ".ana", ReasonUsernameFormat},
			{"DEMO-1001", "ana*", ReasonUsernameFormat},
			{"DEMO-1001", "anä", ReasonUsernameFormat},
		}
		for _, tt := range tests {
			err := d.UsernameFree(ctx, tt.id, tt.username)
			if tt.reason == "" {
				if err != nil {
					t.Errorf("UsernameFree(%s, %q) = %v, want nil", tt.id, tt.username, err)
				}
				continue
			}
			if CodeOf(err) != CodeInvalid || ReasonOf(err) != tt.reason {
				t.Errorf("UsernameFree(%s, %q) = %v, want invalid %s", tt.id, tt.username, err, tt.reason)
			}
		}
	})
}

// The service account may read what the driver needs and write the
// password, never read it: the access rules of slapdtest are the ones
// docs/directories.md recommends.
func TestServiceAccountCannotReadPasswords(t *testing.T) {
	srv, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	err := d.call(ctx, "test", func(c *conn) error {
		es, _, err := d.search(ctx, c, "(employeeNumber=DEMO-1011)", 1, []string{"userPassword", "pwdHistory"})
		if err != nil {
			return err
		}
		if len(es) != 1 {
			t.Fatalf("got %d entries, want 1", len(es))
		}
		for _, a := range es[0].Attributes {
			t.Errorf("service account read %s", a.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Bind(slapdtest.PatientDN("DEMO-1011"), slapdtest.PatientPassword("DEMO-1011")); err != nil {
		t.Fatalf("patient bind with the LDIF's password: %v", err)
	}
}

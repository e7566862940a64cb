package ldap

import (
	"bytes"
	"slices"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
)

func TestEncodeUnicodePwd(t *testing.T) {
	tests := []struct {
		password string
		want     []byte
	}{
		// Microsoft's example (MS-ADTS 3.1.1.3.1.5): "newPassword".
		{"newPassword", []byte{'"', 0, 'n', 0, 'e', 0, 'w', 0, 'P', 0, 'a', 0, 's', 0, 's', 0, 'w', 0, 'o', 0, 'r', 0, 'd', 0, '"', 0}},
		{"", []byte{'"', 0, '"', 0}},
		{"ñ", []byte{'"', 0, 0xf1, 0, '"', 0}},
		{"€", []byte{'"', 0, 0xac, 0x20, '"', 0}},
		{"\"", []byte{'"', 0, '"', 0, '"', 0}},                // a quote inside is sent as is
		{"😀", []byte{'"', 0, 0x3d, 0xd8, 0x00, 0xde, '"', 0}}, // U+1F600: surrogate pair D83D DE00
	}
	for _, tt := range tests {
		if got := []byte(encodeUnicodePwd(tt.password)); !bytes.Equal(got, tt.want) {
			t.Errorf("encodeUnicodePwd(%q) = % x, want % x", tt.password, got, tt.want)
		}
	}
}

func TestUserAccountControl(t *testing.T) {
	tests := []struct {
		name     string
		uac      string
		parsed   uint32
		activate string
	}{
		{"normal, disabled", "514", 0x202, "512"},
		{"normal, disabled, no password needed", "546", 0x222, "512"},
		{"normal, enabled", "512", 0x200, "512"},
		{"disabled, password never expires", "66050", 0x10202, "66048"},
		{"disabled with the top bit set (AD writes it signed)", "-2147483134", 0x80000202, "-2147483136"},
		{"empty", "", 0, "0"},
		{"garbage", "abc", 0, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseUAC(tt.uac)
			if got != tt.parsed {
				t.Fatalf("parseUAC(%q) = %#x, want %#x", tt.uac, got, tt.parsed)
			}
			if s := formatUAC(activatedUAC(got)); s != tt.activate {
				t.Fatalf("activated = %s, want %s", s, tt.activate)
			}
		})
	}
}

func TestADStatus(t *testing.T) {
	tests := []struct {
		name                    string
		attr                    Status
		uac, computed, lockTime string
		want                    Status
	}{
		{"disabled and pending: awaiting activation", StatusPending, "514", "0", "", StatusPending},
		{"disabled, status active: an administrator disabled it", StatusActive, "514", "0", "", StatusDisabled},
		{"disabled, no status value", StatusDisabled, "514", "0", "", StatusDisabled},
		{"enabled", StatusActive, "512", "0", "0", StatusActive},
		{"enabled, pending left over", StatusPending, "512", "0", "", StatusActive},
		{"enabled, locked out now", StatusActive, "512", "16", "133500000000000000", StatusLocked},
		{"lockout expired: lockoutTime stays until next logon", StatusActive, "512", "0", "133500000000000000", StatusActive},
		{"no computed attribute: lockoutTime decides", StatusActive, "512", "", "133500000000000000", StatusLocked},
		{"no computed attribute, lockoutTime 0", StatusActive, "512", "", "0", StatusActive},
		{"enabled but status says disabled", StatusDisabled, "512", "0", "", StatusDisabled},
	}
	for _, tt := range tests {
		if got := adStatus(tt.attr, tt.uac, tt.computed, tt.lockTime); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestADErrorDataCodes(t *testing.T) {
	tests := []struct {
		diag   string
		reason string
		ok     bool
	}{
		{"0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n", ReasonPolicy, true},
		{"0000052D: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0", ReasonPolicy, true},
		{"0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal or longer than 14 characters!", ReasonTooShort, true},
		{"0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria!", ReasonComplexity, true},
		{"0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!", ReasonInHistory, true},
		{"0000052D: Constraint violation - check_password_restrictions: password is too young to change!", ReasonTooRecent, true},
		{"00000056: AtrErr: DSID-03190F80, #1: 0: 00000056: DSID-03190F80, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)", ReasonPolicy, true},
		{"00000005: SecErr: DSID-031A11E2, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0", "", false},
		{"0000001F: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0", "", false},
		{"no code here", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		reason, ok := adPasswordReason(tt.diag)
		if reason != tt.reason || ok != tt.ok {
			t.Errorf("adPasswordReason(%.40q) = %q, %t; want %q, %t", tt.diag, reason, ok, tt.reason, tt.ok)
		}
	}
	if got := adDataCode("0000052D: x"); got != winPasswordRestriction {
		t.Errorf("adDataCode = %#x, want %#x", got, winPasswordRestriction)
	}
	binds := map[string]string{
		"80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 775, v3839": "account locked out",
		"80090308: LdapErr: DSID-0C090447, comment: AcceptSecurityContext error, data 52e, v3839": "invalid credentials",
		"80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 533, v2580": "account disabled",
		"Invalid credentials": "",
	}
	for diag, want := range binds {
		if got := adBindProblem(diag); got != want {
			t.Errorf("adBindProblem(%.60q) = %q, want %q", diag, got, want)
		}
	}
}

// The modifies the driver sends to AD, change by change.
func TestADRequests(t *testing.T) {
	d := &Directory{cfg: validConfig()}
	d.cfg.Flavor, d.cfg.Attributes.Username, d.cfg.Attributes.Status = FlavorAD, "sAMAccountName", "extensionAttribute15"
	const dn = "CN=Ana Testcase,OU=Patients,DC=clinic,DC=example"
	pw := encodeUnicodePwd("a long enough passphrase")
	tests := []struct {
		name string
		m    *goldap.ModifyRequest
		want []change
	}{
		{"set password", adPasswordChange(dn, "a long enough passphrase"), []change{
			{goldap.ReplaceAttribute, "unicodePwd", pw},
		}},
		{"activate", d.adActivation(dn, "546", "ana.t", "a long enough passphrase"), []change{
			{goldap.ReplaceAttribute, "sAMAccountName", "ana.t"},
			{goldap.ReplaceAttribute, "unicodePwd", pw},
			{goldap.DeleteAttribute, "userAccountControl", "546"},
			{goldap.AddAttribute, "userAccountControl", "512"},
			{goldap.DeleteAttribute, "extensionAttribute15", "pending"},
			{goldap.AddAttribute, "extensionAttribute15", "active"},
		}},
		{"unlock", adUnlock(dn), []change{
			{goldap.ReplaceAttribute, "lockoutTime", "0"},
		}},
	}
	for _, tt := range tests {
		if tt.m.DN != dn {
			t.Errorf("%s: DN %q", tt.name, tt.m.DN)
		}
		var got []change
		for _, c := range tt.m.Changes {
			if len(c.Modification.Vals) != 1 {
				t.Fatalf("%s: %s has %d values, want 1", tt.name, c.Modification.Type, len(c.Modification.Vals))
			}
			got = append(got, change{c.Operation, c.Modification.Type, c.Modification.Vals[0]})
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

type change struct {
	op    uint
	attr  string
	value string
}

package ldap

import (
	"errors"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// extendedError builds the error the library returns for a refused
// extended operation: result code, diagnostic, and (when pp >= 0) a
// password policy response control carrying error pp, as slapd sends it.
func extendedError(code uint16, diag string, pp int) error {
	packet := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	packet.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 2, "MessageID"))
	resp := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationExtendedResponse, nil, "Extended Response")
	resp.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(code), "resultCode"))
	resp.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
	resp.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, diag, "diagnosticMessage"))
	packet.AppendChild(resp)
	if pp >= 0 {
		value := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "PasswordPolicyResponseValue")
		value.AppendChild(ber.NewInteger(ber.ClassContext, ber.TypePrimitive, 1, int64(pp), "error"))
		control := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
		control.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, goldap.ControlTypeBeheraPasswordPolicy, "controlType"))
		control.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(value.Bytes()), "controlValue"))
		controls := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		controls.AppendChild(control)
		packet.AppendChild(controls)
	}
	return goldap.GetLDAPError(ber.DecodePacket(packet.Bytes()))
}

func TestPasswordRefusal(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		reason  string
		already bool
	}{
		// slapd with the control (what the driver asks for).
		{"ppolicy too short", extendedError(19, "Password fails quality checking policy", 6), ReasonTooShort, false},
		{"ppolicy quality", extendedError(19, "Password fails quality checking policy", 5), ReasonComplexity, false},
		{"ppolicy too young", extendedError(19, "Password is too young to change", 7), ReasonTooRecent, false},
		{"ppolicy in history", extendedError(19, "Password is in history of old passwords", 8), ReasonInHistory, false},
		{"ppolicy: already the password", extendedError(19, "Password is not being changed from existing value", 8), "", true},
		{"ppolicy: may not change", extendedError(50, "Insufficient access", 3), "", false},
		// Servers that word it without the control.
		{"389-DS too short", extendedError(19, "invalid password syntax - password must be at least 20 characters long", -1), ReasonTooShort, false},
		{"389-DS missing digits", extendedError(19, "invalid password syntax - password must contain at least 1 digit characters", -1), ReasonComplexity, false},
		{"389-DS history", extendedError(19, "password in history", -1), ReasonInHistory, false},
		{"389-DS minimum age", extendedError(19, "within password minimum age", -1), ReasonTooRecent, false},
		{"OpenLDAP text only: same value", extendedError(19, "Password is not being changed from existing value", -1), "", true},
		{"unnamed rule", extendedError(19, "no", -1), ReasonPolicy, false},
		// Not about the password.
		{"no access", extendedError(50, "no write access to parent", -1), "", false},
		{"not an LDAP error", errors.New("boom"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, already := passwordRefusal(tt.err)
			if reason != tt.reason || already != tt.already {
				t.Fatalf("passwordRefusal = %q, %t; want %q, %t", reason, already, tt.reason, tt.already)
			}
		})
	}
}

func TestErrorsCarryNoServerText(t *testing.T) {
	d := &Directory{cfg: validConfig()}
	err := d.passwordResult(extendedError(19, "Password is too short for policy (uid=ana.t)", 6))
	if got, want := err.Error(), "ldap directory: invalid: too_short"; got != want {
		t.Fatalf("error text %q, want %q", got, want)
	}
	if CodeOf(errors.New("x")) != CodeInternal || CodeOf(nil) != "" || ReasonOf(errors.New("x")) != "" {
		t.Fatal("CodeOf/ReasonOf of foreign errors")
	}
}

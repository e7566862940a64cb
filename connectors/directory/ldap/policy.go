package ldap

import (
	"errors"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// The Password Modify extended operation (RFC 3062) and the server's
// answers to it.

const passwordModifyOID = "1.3.6.1.4.1.4203.1.11.1"

// passwordModify asks the server to set dn's password to password, with
// the password policy request control (draft-behera-ldap-password-policy)
// so that a refusal says which rule failed. The server hashes the
// password with its own scheme; we never send a hash.
func passwordModify(dn, password string) *goldap.ExtendedRequest {
	v := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "PasswdModifyRequestValue")
	v.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, dn, "userIdentity"))
	v.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 2, password, "newPasswd"))
	req := goldap.NewExtendedRequest(passwordModifyOID, v)
	req.Controls = []goldap.Control{goldap.NewControlBeheraPasswordPolicy()}
	return req
}

// ppolicy response error values (draft-behera-ldap-password-policy-11,
// section 6.2).
const (
	ppPasswordModNotAllowed       = 3
	ppMustSupplyOldPassword       = 4
	ppInsufficientPasswordQuality = 5
	ppPasswordTooShort            = 6
	ppPasswordTooYoung            = 7
	ppPasswordInHistory           = 8
)

// notChanged is OpenLDAP's diagnostic when the new password is the
// current one (ppolicy with pwdInHistory > 0): a repeated change after a
// crash, which has nothing left to do.
const notChanged = "not being changed from existing value"

// passwordRefusal interprets the server's refusal of a new password:
// reason is a Reason* constant for a policy refusal, "" for anything
// else; already reports that the password is already the current one.
// The ppolicy response control decides when present, else the result
// code and the words of the diagnostic (389-DS, Samba and others word
// their refusals without the control).
func passwordRefusal(err error) (reason string, already bool) {
	var le *goldap.Error
	if !errors.As(err, &le) {
		return "", false
	}
	diag := diagnostic(err)
	if pp := ppolicyControl(le.Packet); pp != nil {
		switch pp.Error {
		case ppInsufficientPasswordQuality:
			return ReasonComplexity, false
		case ppPasswordTooShort:
			return ReasonTooShort, false
		case ppPasswordTooYoung:
			return ReasonTooRecent, false
		case ppPasswordInHistory:
			if strings.Contains(strings.ToLower(diag), notChanged) {
				return "", true
			}
			return ReasonInHistory, false
		case ppPasswordModNotAllowed, ppMustSupplyOldPassword:
			return "", false // the service account may not: configuration
		}
	}
	if le.ResultCode != goldap.LDAPResultConstraintViolation {
		return "", false
	}
	if strings.Contains(strings.ToLower(diag), notChanged) {
		return "", true
	}
	return policyReasonFromText(diag), false
}

// policyReasonFromText reads which rule a worded refusal names: OpenLDAP
// ("Password is too short for policy", "... in history ...", "Password is
// too young to change", "... quality ..."), 389-DS ("invalid password
// syntax - password must be at least 8 characters long", "password in
// history", "within password minimum age") and Samba AD
// ("check_password_restrictions: the password is too short ...").
func policyReasonFromText(diag string) string {
	t := strings.ToLower(diag)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("too short", "characters long", "minimum length", "minimum password length"):
		return ReasonTooShort
	case has("history", "already used", "reuse"):
		return ReasonInHistory
	case has("too young", "too recent", "minimum age", "minimum password age"):
		return ReasonTooRecent
	case has("quality", "complex", "syntax", "must contain", "trivial", "dictionary"):
		return ReasonComplexity
	}
	return ReasonPolicy
}

// ppolicyControl returns the password policy response control of an LDAP
// response packet, or nil. The library drops a failed extended
// operation's controls, but keeps the packet in its error.
func ppolicyControl(packet *ber.Packet) *goldap.ControlBeheraPasswordPolicy {
	if packet == nil || len(packet.Children) < 3 {
		return nil
	}
	for _, child := range packet.Children[2].Children {
		c, err := goldap.DecodeControl(child)
		if err != nil {
			continue
		}
		if pp, ok := c.(*goldap.ControlBeheraPasswordPolicy); ok && pp.Error >= 0 {
			return pp
		}
	}
	return nil
}

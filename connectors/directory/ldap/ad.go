package ldap

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Active Directory specifics. None of this was tried against a real
// Active Directory (docs/directories.md says what was and was not); the
// encodings follow Microsoft's documentation and are unit-tested.

// userAccountControl bits (MS-ADTS 2.2.16).
const (
	uacAccountDisable = 0x0002 // ACCOUNTDISABLE
	uacLockout        = 0x0010 // LOCKOUT: in msDS-User-Account-Control-Computed only
	uacPasswdNotReqd  = 0x0020 // PASSWD_NOTREQD: an account created without a password has it
	uacNormalAccount  = 0x0200 // NORMAL_ACCOUNT
)

// encodeUnicodePwd returns the value AD wants in unicodePwd: the password
// in double quotes, as UTF-16 little-endian bytes (MS-ADTS 3.1.1.3.1.5).
// Characters outside the BMP become surrogate pairs.
func encodeUnicodePwd(password string) string {
	units := utf16.Encode([]rune(`"` + password + `"`))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	return string(b)
}

// parseUAC reads a userAccountControl value. AD writes it as a signed
// 32-bit decimal; an absent or unreadable value is 0.
func parseUAC(s string) uint32 {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < -1<<31 || v > 1<<32-1 {
		return 0
	}
	return uint32(v)
}

// activatedUAC is uac with the account enabled: ACCOUNTDISABLE cleared,
// and PASSWD_NOTREQD cleared too, since the account now has a password.
// Every other bit (NORMAL_ACCOUNT, DONT_EXPIRE_PASSWORD, ...) is kept.
func activatedUAC(uac uint32) uint32 {
	return uac &^ (uacAccountDisable | uacPasswdNotReqd)
}

// formatUAC writes uac as AD stores it: a signed 32-bit decimal.
func formatUAC(uac uint32) string { return strconv.FormatInt(int64(int32(uac)), 10) }

// adLocked reports whether AD holds the account locked out. The
// constructed msDS-User-Account-Control-Computed attribute carries the
// live LOCKOUT bit (it knows the domain's lockout duration); without it,
// lockoutTime above 0 is taken as locked. lockoutTime is a FILETIME (100 ns
// intervals since 1601); 0 or absent means not locked.
func adLocked(computed, lockoutTime string) bool {
	if strings.TrimSpace(computed) != "" {
		return parseUAC(computed)&uacLockout != 0
	}
	t, err := strconv.ParseInt(strings.TrimSpace(lockoutTime), 10, 64)
	return err == nil && t > 0
}

// adLocked's complement for Unlock: the value that lifts a lockout. AD
// accepts only 0 written to lockoutTime.
const adUnlockedTime = "0"

// adStatus refines the status-attribute state st with AD's account bits:
// a disabled account is pending only when the status attribute says so
// (else an administrator disabled it), and an enabled one is locked while
// AD reports the lockout.
func adStatus(st Status, uac, computed, lockoutTime string) Status {
	if parseUAC(uac)&uacAccountDisable != 0 {
		if st == StatusPending {
			return StatusPending
		}
		return StatusDisabled
	}
	if st == StatusDisabled {
		return StatusDisabled
	}
	if adLocked(computed, lockoutTime) {
		return StatusLocked
	}
	return StatusActive
}

// Win32 error codes AD puts at the start of its diagnostic message, as
// eight hex digits ("0000052D: Constraint violation - ...").
const (
	winAccessDenied        = 0x005 // ERROR_ACCESS_DENIED: the service account may not
	winWillNotPerform      = 0x01F // "SvcErr ... WILL_NOT_PERFORM": e.g. unicodePwd without TLS
	winInvalidPassword     = 0x056 // ERROR_INVALID_PASSWORD
	winPasswordRestriction = 0x52D // ERROR_PASSWORD_RESTRICTION: length, complexity, history or age
)

// adDataCode returns the Win32 code at the start of an AD diagnostic
// message, or -1.
func adDataCode(diag string) int {
	if len(diag) < 9 || diag[8] != ':' {
		return -1
	}
	v, err := strconv.ParseUint(diag[:8], 16, 32)
	if err != nil {
		return -1
	}
	return int(v)
}

// adPasswordReason maps AD's refusal of a new unicodePwd to a reason.
// Windows says only ERROR_PASSWORD_RESTRICTION, which covers length,
// complexity, history and minimum age alike: that is ReasonPolicy. Samba's
// AD adds which rule failed, and those are told apart. ok is false for
// refusals that are not about the password (access, TLS), which are the
// operator's to fix.
func adPasswordReason(diag string) (reason string, ok bool) {
	switch adDataCode(diag) {
	case winPasswordRestriction:
		return policyReasonFromText(diag), true
	case winInvalidPassword:
		return ReasonPolicy, true
	default:
		return "", false
	}
}

// adBindProblems name the "data" codes of AD's failed-bind message
// ("80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext
// error, data 775, v3839"), for the operator's log when the service
// account cannot bind.
var adBindProblems = map[string]string{
	"525": "user not found",
	"52e": "invalid credentials",
	"530": "not permitted to log on at this time",
	"531": "not permitted to log on at this workstation",
	"532": "password expired",
	"533": "account disabled",
	"701": "account expired",
	"773": "user must reset password",
	"775": "account locked out",
}

// adBindProblem returns what an AD bind failure's data code means, or "".
func adBindProblem(diag string) string {
	_, rest, ok := strings.Cut(diag, ", data ")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, ",")
	return adBindProblems[strings.ToLower(strings.TrimSpace(code))]
}

package keycloak

import (
	"encoding/json"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// policyReasons maps Keycloak's password-policy message keys (the "error"
// of its 400 answer) to the seam's reasons. Keycloak's own text
// ("error_description") is never shown: the engine words the reason.
var policyReasons = map[string]string{
	"invalidPasswordMinLengthMessage":           remote.ReasonTooShort,
	"invalidPasswordMaxLengthMessage":           remote.ReasonTooLong,
	"invalidPasswordMinDigitsMessage":           remote.ReasonComplexity,
	"invalidPasswordMinLowerCaseCharsMessage":   remote.ReasonComplexity,
	"invalidPasswordMinUpperCaseCharsMessage":   remote.ReasonComplexity,
	"invalidPasswordMinSpecialCharsMessage":     remote.ReasonComplexity,
	"invalidPasswordRegexPatternMessage":        remote.ReasonComplexity,
	"invalidPasswordNotUsernameMessage":         remote.ReasonContainsUsername,
	"invalidPasswordNotContainsUsernameMessage": remote.ReasonContainsUsername,
	"invalidPasswordNotEmailMessage":            remote.ReasonContainsName,
	"invalidPasswordNotContainsNameMessage":     remote.ReasonContainsName,
	"invalidPasswordHistoryMessage":             remote.ReasonInHistory,
	"invalidPasswordBlacklistedMessage":         remote.ReasonCommon,
	"invalidPasswordGenericMessage":             remote.ReasonOther, // includes the passwordAge policy
}

// errorAnswer covers Keycloak's two error shapes: OAuth2ErrorRepresentation
// ({"error", "error_description"}, password policy) and
// ErrorRepresentation ({"errorMessage", "field", "params", "errors"},
// user profile validation and conflicts).
type errorAnswer struct {
	Error        string        `json:"error"`
	ErrorMessage string        `json:"errorMessage"`
	Field        string        `json:"field"`
	Errors       []errorAnswer `json:"errors"`
}

// refusal turns a 400 answer to a password or user update into a reason.
// ok is false when the answer is not a refusal Portico understands.
func refusal(body []byte) (reason string, readOnlyUsername, ok bool) {
	var e errorAnswer
	if json.Unmarshal(body, &e) != nil {
		return "", false, false
	}
	if r, known := policyReasons[e.Error]; known {
		return r, false, true
	}
	if strings.HasPrefix(e.Error, "invalidPassword") {
		return remote.ReasonOther, false, true // a policy Portico has no words for
	}
	for _, fe := range append([]errorAnswer{e}, e.Errors...) {
		if fe.Field != "username" {
			continue
		}
		if fe.ErrorMessage == "error-user-attribute-read-only" {
			return "", true, false
		}
		return remote.ReasonUsernameFormat, false, true
	}
	return "", false, false
}

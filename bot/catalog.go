package bot

import "github.com/portico-chat/portico/flows"

// Action outcomes shared by several actions.
const (
	outcomeDone     = "done"
	outcomeSent     = "sent"
	outcomeTooMany  = "too_many"
	outcomeVerified = "verified"
	outcomeWrong    = "wrong"
	outcomeExpired  = "expired"
	outcomeFailed   = "failed"
	outcomeLocked   = "locked"
	outcomeOK       = "ok"
	outcomeRejected = "rejected"
)

// Catalog describes the actions flows may call. The validator checks flows
// against it; the property check uses ChangesAccount and Verifies.
func Catalog() flows.Catalog {
	return flows.Catalog{
		"find_by_name": {
			Inputs:   []string{"first_name", "last_name", "dob", "zip"},
			Outcomes: []string{outcomeDone},
		},
		"find_by_username": {
			Inputs:   []string{"username", "dob"},
			Outcomes: []string{outcomeDone},
		},
		"send_code": {
			Inputs:   []string{"channel"},
			Outcomes: []string{outcomeSent, outcomeTooMany},
		},
		"check_code": {
			Inputs:   []string{"otp"},
			Outcomes: []string{outcomeVerified, outcomeWrong, outcomeExpired, outcomeFailed, outcomeLocked},
			Outputs:  []string{"masked_email", "masked_phone"},
			Verifies: outcomeVerified,
		},
		"check_activation_code": {
			Inputs:   []string{"activation_code", "dob", "zip"},
			Outcomes: []string{outcomeVerified, outcomeWrong, outcomeFailed, outcomeLocked},
			Verifies: outcomeVerified,
		},
		"account_status": {
			Outcomes: []string{string(AccountPending), string(AccountActive), string(AccountLocked), string(AccountDisabled)},
		},
		"check_username": {
			Inputs:   []string{"username"},
			Outcomes: []string{outcomeOK, outcomeRejected},
			Outputs:  []string{"reason"},
		},
		"activate": {
			Inputs:         []string{"username", "password"},
			Outcomes:       []string{outcomeOK, outcomeRejected},
			Outputs:        []string{"reason"},
			ChangesAccount: true,
		},
		"reset_password": {
			Inputs:         []string{"password"},
			Outcomes:       []string{outcomeOK, outcomeRejected},
			Outputs:        []string{"reason"},
			ChangesAccount: true,
		},
		"queue_status": {
			Outcomes: []string{"open", "closed"},
		},
		"create_followup": {
			Inputs:   []string{"contact", "question"},
			Outcomes: []string{outcomeDone},
		},
		"save_rating": {
			Inputs:   []string{"rating", "comment"},
			Outcomes: []string{outcomeDone},
		},
		"send_username": {
			Outcomes:       []string{outcomeSent},
			ChangesAccount: true, // it discloses account data
		},
	}
}

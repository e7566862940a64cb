package flows

import (
	"strings"
	"testing"
)

// testCatalog is the action catalog the runtime registers for the
// built-in flows (see docs/flows.md).
func testCatalog() Catalog {
	return Catalog{
		"find_by_name":          {Inputs: []string{"first_name", "last_name", "dob", "zip"}, Outcomes: []string{"done"}},
		"find_by_username":      {Inputs: []string{"username", "dob"}, Outcomes: []string{"done"}},
		"send_code":             {Inputs: []string{"channel"}, Outcomes: []string{"sent", "too_many"}},
		"check_code":            {Inputs: []string{"otp"}, Outcomes: []string{"verified", "wrong", "expired", "failed", "locked"}, Outputs: []string{"masked_email", "masked_phone"}, Verifies: "verified"},
		"check_activation_code": {Inputs: []string{"activation_code", "dob", "zip"}, Outcomes: []string{"verified", "wrong", "failed", "locked"}, Verifies: "verified"},
		"account_status":        {Outcomes: []string{"pending", "active", "locked", "disabled"}},
		"check_username":        {Inputs: []string{"username"}, Outcomes: []string{"ok", "rejected"}, Outputs: []string{"reason"}},
		"activate":              {Inputs: []string{"username", "password"}, Outcomes: []string{"ok", "rejected"}, Outputs: []string{"reason"}, ChangesAccount: true},
		"reset_password":        {Inputs: []string{"password"}, Outcomes: []string{"ok", "rejected"}, Outputs: []string{"reason"}, ChangesAccount: true},
		"send_username":         {Outcomes: []string{"sent"}, ChangesAccount: true},
		"queue_status":          {Outcomes: []string{"open", "closed"}},
		"create_followup":       {Inputs: []string{"contact", "question"}, Outcomes: []string{"done"}},
		"save_rating":           {Inputs: []string{"rating", "comment"}, Outcomes: []string{"done"}},
	}
}

func builtinSet(t testing.TB) *Set {
	t.Helper()
	s, err := ParseSet(Builtin(), testCatalog())
	if err != nil {
		t.Fatalf("built-in flows do not validate:\n%v", err)
	}
	return s
}

func TestBuiltinsValidate(t *testing.T) {
	s := builtinSet(t)
	want := []string{"activate_account", "forgot_username", "greeting", "leave_message", "rate_chat", "reset_password", "verify_attempt", "verify_identity"}
	if got := s.Names(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

// TestBuiltinTexts: every built-in text speaks English and Spanish, every
// handoff goes to portal-support, and the stable reply values are there.
func TestBuiltinTexts(t *testing.T) {
	s := builtinSet(t)
	replies := map[string]bool{}
	for _, name := range s.Names() {
		f, _ := s.Get(name)
		texts := []Text{f.Title}
		for _, sn := range f.Order {
			st := f.States[sn]
			texts = append(texts, st.Say, st.Invalid)
			for _, r := range st.Replies {
				texts = append(texts, r.Label)
				replies[r.Value] = true
			}
			if st.Kind == KindHandoff && st.Queue != "portal-support" {
				t.Errorf("%s.%s hands off to %q, want portal-support", name, sn, st.Queue)
			}
			if st.Kind == KindAsk && st.Invalid == nil {
				t.Errorf("%s.%s asks without an invalid re-prompt", name, sn)
			}
		}
		for _, tx := range texts {
			if tx != nil && (tx["en"] == "" || tx["es"] == "") {
				t.Errorf("%s: text %v lacks English or Spanish", name, tx)
			}
		}
	}
	for _, v := range []string{"activate_account", "reset_password", "forgot_username", "agent", "email", "sms", "yes", "no"} {
		if !replies[v] {
			t.Errorf("no built-in offers reply %q", v)
		}
	}
}

func BenchmarkParseBuiltins(b *testing.B) {
	cat := testCatalog()
	for b.Loop() {
		if _, err := ParseSet(Builtin(), cat); err != nil {
			b.Fatal(err)
		}
	}
}

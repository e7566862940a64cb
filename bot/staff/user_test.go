package staff_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// TestCheckNew is the one validation of a new account, the admin pages'
// and `portico users add`'s.
func TestCheckNew(t *testing.T) {
	ok := staff.UserInput{Email: " Lea@Example.ORG ", Name: " Lea ", Role: bot.RoleAgent, Queues: []string{" billing ", ""}}
	p := ok.CheckNew()
	if len(p) != 0 || ok.Email != "lea@example.org" || ok.Name != "Lea" || ok.Capacity != 0 ||
		len(ok.Queues) != 1 || ok.Queues[0] != "billing" {
		t.Fatalf("good input: problems %v, normalised %+v; want none, lea@example.org, Lea, capacity 0 (the desk's default), [billing]", p, ok)
	}
	tests := []struct {
		name  string
		in    staff.UserInput
		field string
	}{
		{"no at", staff.UserInput{Email: "nobody", Name: "N", Role: bot.RoleAgent}, "email"},
		{"at first", staff.UserInput{Email: "@example.org", Name: "N", Role: bot.RoleAgent}, "email"},
		{"at last", staff.UserInput{Email: "n@", Name: "N", Role: bot.RoleAgent}, "email"},
		{"space inside", staff.UserInput{Email: "n o@example.org", Name: "N", Role: bot.RoleAgent}, "email"},
		{"too long", staff.UserInput{Email: strings.Repeat("a", 250) + "@x.org", Name: "N", Role: bot.RoleAgent}, "email"},
		{"role", staff.UserInput{Email: "n@example.org", Name: "N", Role: "root"}, "role"},
		{"blank name", staff.UserInput{Email: "n@example.org", Name: "  ", Role: bot.RoleAgent}, "name"},
		{"long name", staff.UserInput{Email: "n@example.org", Name: strings.Repeat("é", 65), Role: bot.RoleAgent}, "name"},
		{"capacity 51", staff.UserInput{Email: "n@example.org", Name: "N", Role: bot.RoleAgent, Capacity: 51}, "capacity"},
		{"negative capacity", staff.UserInput{Email: "n@example.org", Name: "N", Role: bot.RoleAgent, Capacity: -1}, "capacity"},
		{"queue name", staff.UserInput{Email: "n@example.org", Name: "N", Role: bot.RoleAgent, Queues: []string{"Billing Desk"}}, "queues"},
		{"too many queues", staff.UserInput{Email: "n@example.org", Name: "N", Role: bot.RoleAgent, Queues: make([]string, 51)}, "queues"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.in.CheckNew()
			if _, bad := p[tt.field]; !bad || len(p) != 1 {
				t.Errorf("got problems %v, want exactly one with %s", p, tt.field)
			}
			if err := p.Err(); bot.ErrorCode(err) != bot.EINVALID || !strings.Contains(err.Error(), tt.field+": ") {
				t.Errorf("Err: got %v, want invalid naming %s", err, tt.field)
			}
		})
	}
	if _, err := staff.NewUser(staff.UserInput{Email: "nobody"}, "$argon2id$x"); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("NewUser with problems: got %v, want invalid", err)
	}
}

// TestCheckWorkLeavesEmailAndRole: an edit checks only what it may change.
func TestCheckWorkLeavesEmailAndRole(t *testing.T) {
	in := staff.UserInput{Name: "Ana", Capacity: 4}
	if p := in.CheckWork(); len(p) != 0 {
		t.Errorf("an edit without email and role: got %v, want no problem", p)
	}
	in = staff.UserInput{Name: "Ana"}
	if p := in.CheckWork(); len(p) != 0 || in.Capacity != 0 {
		t.Errorf("an edit to capacity 0: got %v, capacity %d; want no problem and 0, the desk's default", p, in.Capacity)
	}
	in = staff.UserInput{Name: "Ana", Capacity: -1}
	if p := in.CheckWork(); p["capacity"] == "" {
		t.Errorf("an edit to capacity -1: got %v, want a capacity problem", p)
	}
}

func TestPasswords(t *testing.T) {
	pw, hash, err := staff.NewPassword()
	if err != nil || len(pw) != 26 || !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, pw) {
		t.Fatalf("NewPassword: got %q, %q, %v; want 26 characters and an argon2id hash", pw, hash, err)
	}
	for _, tt := range []struct {
		pw string
		ok bool
	}{
		{"fourteen chars", false},
		{"fifteen chars!!", true},
		{strings.Repeat("ñ", 15), true},
		{strings.Repeat("x", staff.MaxPasswordLen+1), false},
	} {
		_, err := staff.HashChosenPassword(tt.pw)
		if (err == nil) != tt.ok {
			t.Errorf("HashChosenPassword(%d runes): got %v, want ok %v", len([]rune(tt.pw)), err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "15 to 1024") {
			t.Errorf("refusal %q does not say the bounds", err)
		}
	}
}

func TestCannedCheck(t *testing.T) {
	c := staff.CannedResponse{Shortcut: " /Hello ", Title: " Greeting ", Text: " Hi there. "}
	if err := c.Check(); err != nil || c.Shortcut != "hello" || c.Title != "Greeting" || c.Text != "Hi there." {
		t.Fatalf("got %+v, %v; want hello, trimmed", c, err)
	}
	for _, bad := range []staff.CannedResponse{
		{Shortcut: "-x", Title: "T", Text: "x"},
		{Shortcut: strings.Repeat("a", 33), Title: "T", Text: "x"},
		{Shortcut: "ok", Title: "", Text: "x"},
		{Shortcut: "ok", Title: strings.Repeat("t", 121), Text: "x"},
		{Shortcut: "ok", Title: "T", Text: strings.Repeat("é", staff.MaxTextRunes+1)},
	} {
		if err := bad.Check(); bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("Check(%.40q): got %v, want invalid", bad.Shortcut+"|"+bad.Title, err)
		}
	}
	if !staff.ValidShortcut("reset") || staff.ValidShortcut("/reset") {
		t.Error("ValidShortcut: want stored shortcuts only")
	}
}

// Problems names every field at fault, for the admin page to show under
// each; Check words the first of them in the form's order.
func TestCannedProblemsByField(t *testing.T) {
	c := staff.CannedResponse{Shortcut: "no spaces", Title: "", Text: strings.Repeat("x", staff.MaxTextRunes+1)}
	p := c.Problems()
	if got := strings.Join(slices.Sorted(maps.Keys(p)), " "); got != "shortcut text title" {
		t.Fatalf("got problems on %q, want shortcut text title", got)
	}
	if got := bot.ErrorMessage(c.Check()); got != p["shortcut"] {
		t.Errorf("Check says %q, want the shortcut's problem %q", got, p["shortcut"])
	}
	ok := staff.CannedResponse{Shortcut: "hours", Title: "Hours", Text: "8 to 6"}
	if p := ok.Problems(); len(p) != 0 {
		t.Errorf("a good response has problems %v", p)
	}
}

func TestTokenName(t *testing.T) {
	if name, err := staff.TokenName("  CI  "); err != nil || name != "CI" {
		t.Errorf("got %q, %v; want CI", name, err)
	}
	if _, err := staff.TokenName(strings.Repeat("é", 64)); err != nil {
		t.Errorf("64 characters: got %v, want ok", err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 65)} {
		if _, err := staff.TokenName(bad); bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("TokenName(%d chars): got %v, want invalid", len(bad), err)
		}
	}
}

func TestCanDisable(t *testing.T) {
	max := staff.User{ID: "a1", Role: bot.RoleAdmin}
	lea := staff.User{ID: "a2", Role: bot.RoleAdmin}
	ana := staff.User{ID: "u1", Role: bot.RoleAgent}
	off := staff.User{ID: "a3", Role: bot.RoleAdmin, Disabled: true}
	for _, tt := range []struct {
		name    string
		by, u   staff.User
		all     []staff.User
		refused string
	}{
		{"an agent", max, ana, []staff.User{max, ana}, ""},
		{"another admin while one is left", max, lea, []staff.User{max, lea}, ""},
		{"oneself", max, max, []staff.User{max, lea}, "You cannot disable your own account."},
		{"the last admin who can sign in", lea, max, []staff.User{max, ana, off}, "This is the last admin who can sign in."},
	} {
		err := staff.CanDisable(tt.by, tt.u, tt.all)
		if tt.refused == "" && err != nil || tt.refused != "" && (bot.ErrorCode(err) != bot.ECONFLICT || bot.ErrorMessage(err) != tt.refused) {
			t.Errorf("%s: got %v, want refused %q", tt.name, err, tt.refused)
		}
	}
}

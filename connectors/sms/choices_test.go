package sms_test

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/sms"
)

// The builtin greeting's menu, as the engine sends it.
var (
	menuEN = []bot.Reply{
		{Label: "Set up my account", Value: "activate_account"},
		{Label: "Reset my password", Value: "reset_password"},
		{Label: "Find my username", Value: "forgot_username"},
		{Label: "Talk to a person", Value: "agent"},
	}
	menuES = []bot.Reply{
		{Label: "Activar mi cuenta", Value: "activate_account"},
		{Label: "Cambiar mi contraseña", Value: "reset_password"},
		{Label: "Recuperar mi usuario", Value: "forgot_username"},
		{Label: "Hablar con una persona", Value: "agent"},
	}
	yesNo = []bot.Reply{
		{Label: "Yes, I have a code", Value: "yes"},
		{Label: "No, I don't", Value: "no"},
	}
	rating = []bot.Reply{
		{Label: "1 – Poor", Value: "r1"}, {Label: "2", Value: "r2"}, {Label: "3", Value: "r3"},
		{Label: "4", Value: "r4"}, {Label: "5 – Excellent", Value: "r5"},
	}
	channels = []bot.Reply{
		{Label: "The email on file", Value: "email"},
		{Label: "The mobile number on file", Value: "sms"},
	}
)

func TestPrompt(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		replies []bot.Reply
		locale  string
		want    string
	}{
		{"no replies: the text alone", " What is your date of birth? ", nil, "en",
			"What is your date of birth?"},
		{"English sentence", "What do you need?", menuEN, "en",
			"What do you need?\nReply 1 for set up my account, 2 for reset my password, 3 for find my username, or 4 for talk to a person."},
		{"Spanish sentence, no serial comma", "¿Qué necesita?", menuES, "es-MX",
			"¿Qué necesita?\nResponda 1 para activar mi cuenta, 2 para cambiar mi contraseña, 3 para recuperar mi usuario o 4 para hablar con una persona."},
		{"two choices", "How should we send the code?", channels, "en",
			"How should we send the code?\nReply 1 for the email on file or 2 for the mobile number on file."},
		{"labels with commas use semicolons", "Do you have an activation code?", yesNo, "en",
			"Do you have an activation code?\nReply 1 for yes, I have a code; or 2 for no, I don't."},
		{"numbered labels are not said twice", "How was this chat?", rating, "en",
			"How was this chat?\nReply 1 for poor, 2, 3, 4, or 5 for excellent."},
		{"acronyms and I keep their case", "Pick one.", []bot.Reply{{Label: "ZIP code", Value: "zip"}, {Label: "I forgot", Value: "forgot"}, {Label: "A person", Value: "agent"}}, "en",
			"Pick one.\nReply 1 for ZIP code, 2 for I forgot, or 3 for a person."},
		{"unknown locale is English", "Pick one.", channels, "fr",
			"Pick one.\nReply 1 for the email on file or 2 for the mobile number on file."},
		// The sentence takes two segments, the list one: the list wins.
		{"compact list when it saves a segment",
			"Hello! I can help with your patient portal account. What do you need today?",
			[]bot.Reply{
				{Label: "Set up account", Value: "a"}, {Label: "Reset password", Value: "b"},
				{Label: "Find username", Value: "c"}, {Label: "A person", Value: "d"},
			}, "en",
			"Hello! I can help with your patient portal account. What do you need today?\n" +
				"1 Set up account\n2 Reset password\n3 Find username\n4 A person\nReply 1, 2, 3 or 4."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sms.Prompt(tt.text, tt.replies, tt.locale); got != tt.want {
				t.Errorf("Prompt =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	short := bot.Message{Text: "How should we send the code?", Replies: channels}
	parts := sms.Render(short, "en")
	want := "How should we send the code?\nReply 1 for the email on file or 2 for the mobile number on file."
	if len(parts) != 1 || parts[0].Text != want || parts[0].Segments != 1 || parts[0].Encoding != sms.GSM7 {
		t.Errorf("Render(short) = %+v, want one GSM-7 segment %q", parts, want)
	}
	long := bot.Message{Text: words(100, "information", " "), Replies: menuES}
	parts = sms.Render(long, "es")
	if len(parts) < 2 {
		t.Fatalf("Render(long) gave %d parts, want several", len(parts))
	}
	if last := parts[len(parts)-1].Text; !strings.HasSuffix(last, "o 4 para hablar con una persona.") {
		t.Errorf("the choices should end the last part; it ends %q", last[max(0, len(last)-60):])
	}
	checkParts(t, sms.Prompt(long.Text, long.Replies, "es"), parts)
}

func TestPromptFitsOneSegmentWherePossible(t *testing.T) {
	replies := []bot.Reply{
		{Label: "Set up account", Value: "a"}, {Label: "Reset password", Value: "b"},
		{Label: "Find username", Value: "c"}, {Label: "A person", Value: "d"},
	}
	text := "Hello! I can help with your patient portal account. What do you need today?"
	sentence := text + "\nReply 1 for set up account, 2 for reset password, 3 for find username, or 4 for a person."
	if n := sms.Measure(sentence).Segments; n != 2 {
		t.Fatalf("the sentence form takes %d segments; the test needs one that takes 2", n)
	}
	if got := sms.Measure(sms.Prompt(text, replies, "en")); got.Segments != 1 {
		t.Errorf("Prompt takes %d segments (%d septets), want 1", got.Segments, got.Units)
	}
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		replies []bot.Reply
		want    string // "" for no match
	}{
		{"digit", "2", menuEN, "reset_password"},
		{"digit with a period", "2.", menuEN, "reset_password"},
		{"digit with spaces", "  3  ", menuEN, "forgot_username"},
		{"hash and digit", "#4", menuEN, "agent"},
		{"digit with a parenthesis", "1)", menuEN, "activate_account"},
		{"option N", "option 2", menuEN, "reset_password"},
		{"Spanish opción N", "Opción 3", menuES, "forgot_username"},
		{"number word", "two", menuEN, "reset_password"},
		{"Spanish number word", "dos", menuES, "reset_password"},
		{"ordinal", "the first one", menuEN, ""}, // "one" is a second number
		{"polite", "2 please", menuEN, "reset_password"},
		{"I want N", "I want 1", menuEN, "activate_account"},
		{"label words", "reset password", menuEN, "reset_password"},
		{"whole label, any case", "RESET MY PASSWORD", menuEN, "reset_password"},
		{"Spanish label without accents", "cambiar mi contrasena", menuES, "reset_password"},
		{"Spanish label with accents", "Cambiar mi contraseña", menuES, "reset_password"},
		{"one label word", "username", menuEN, "forgot_username"},
		{"value words", "agent", menuEN, "agent"},
		{"yes", "yes", yesNo, "yes"},
		{"no", "No", yesNo, "no"},
		{"apostrophe folded", "I dont", yesNo, "no"},
		{"typographic apostrophe", "I don’t", yesNo, "no"},
		{"rating by number", "5", rating, "r5"},
		{"rating by word", "excellent", rating, "r5"},
		{"out of range", "5", menuEN, ""},
		{"zero", "0", menuEN, ""},
		{"two numbers", "1 or 2", menuEN, ""},
		{"number and other words", "2 but not now", menuEN, ""},
		{"words that fit two labels", "on file", channels, ""},
		{"words that fit none", "reset my username", menuEN, ""},
		{"only filler", "please", menuEN, ""},
		{"empty", "   ", menuEN, ""},
		{"no replies", "1", nil, ""},
		{"a date is not a choice", "03/14/1980", menuEN, ""},
		{"a long number is not a choice", "60614", menuEN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := sms.Choose(tt.text, tt.replies)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Choose(%q) = %q, %v; want %q", tt.text, got, ok, tt.want)
			}
		})
	}
}

func FuzzChoose(f *testing.F) {
	for _, s := range []string{"1", "option 2", "reset password", "ÁÉÍ", "٣", "1 2 3", "\u202e2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := sms.Choose(s, menuEN)
		if !ok {
			return
		}
		for _, r := range menuEN {
			if r.Value == got {
				return
			}
		}
		t.Fatalf("Choose(%q) = %q, not one of the replies", s, got)
	})
}

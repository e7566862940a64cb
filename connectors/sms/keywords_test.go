package sms_test

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/sms"
)

func TestMatchKeyword(t *testing.T) {
	tests := []struct {
		body       string
		want       sms.Keyword
		wantLocale string
	}{
		{"STOP", sms.OptOut, ""},
		{"stop", sms.OptOut, ""},
		{"  Stop.  ", sms.OptOut, ""},
		{"STOP!", sms.OptOut, ""},
		{"STOPALL", sms.OptOut, ""},
		{"stop all", sms.OptOut, ""},
		{"UNSUBSCRIBE", sms.OptOut, ""},
		{"Cancel", sms.OptOut, ""},
		{"END", sms.OptOut, ""},
		{"quit", sms.OptOut, ""},
		{"REVOKE", sms.OptOut, ""},
		{"OPTOUT", sms.OptOut, ""},
		{"opt-out", sms.OptOut, ""},
		{"PARAR", sms.OptOut, "es"},
		{"Parár", sms.OptOut, "es"},
		{"CANCELAR", sms.OptOut, "es"},
		{"ＳＴＯＰ", sms.OptOut, ""}, // full-width letters
		{"START", sms.OptIn, ""},
		{"unstop", sms.OptIn, ""},
		{"Yes", sms.OptIn, ""},
		{"COMENZAR", sms.OptIn, "es"},
		{"HELP", sms.Help, ""},
		{"info", sms.Help, ""},
		{"Ayuda", sms.Help, "es"},
		{"¿Ayuda?", sms.Help, "es"},
		// Carriers act only on the keyword alone.
		{"please stop texting me", sms.NoKeyword, ""},
		{"STOP PLEASE", sms.NoKeyword, ""},
		{"I need help", sms.NoKeyword, ""},
		{"stopp", sms.NoKeyword, ""},
		{"start over", sms.NoKeyword, ""},
		{"agent", sms.NoKeyword, ""},
		{"", sms.NoKeyword, ""},
		{strings.Repeat("stop ", 20), sms.NoKeyword, ""},
	}
	for _, tt := range tests {
		got := sms.MatchKeyword(tt.body)
		if got.Keyword != tt.want || got.Locale != tt.wantLocale {
			t.Errorf("MatchKeyword(%q) = %q (locale %q), want %q (locale %q)", tt.body, got.Keyword, got.Locale, tt.want, tt.wantLocale)
		}
	}
}

func TestKeywordReply(t *testing.T) {
	texts := sms.Texts{Clinic: "Lakeside Health"}
	withContact := sms.Texts{Clinic: "Lakeside Health", Contact: "call 312-555-0100"}
	tests := []struct {
		name   string
		texts  sms.Texts
		kw     sms.Keyword
		locale string
		want   string
	}{
		{"opt-out English", texts, sms.OptOut, "en",
			"Lakeside Health: You are unsubscribed and will get no more texts from us. Reply START to get texts again."},
		{"opt-out Spanish points to START, which the carrier knows", texts, sms.OptOut, "es",
			"Lakeside Health: Ya no le enviaremos mensajes de texto. Responda START para volver a recibirlos."},
		{"opt-in English", texts, sms.OptIn, "en",
			"Lakeside Health: You will get texts from us again. Reply HELP for help, STOP to stop."},
		{"help English", texts, sms.Help, "en",
			"Lakeside Health patient portal help. To reach a person, reply AGENT. Reply STOP to stop texts. Msg&data rates may apply. Español: AYUDA"},
		{"help with a contact", withContact, sms.Help, "en",
			"Lakeside Health patient portal help. To reach a person, reply AGENT or call 312-555-0100. Reply STOP to stop texts. Msg&data rates may apply. Español: AYUDA"},
		{"help Spanish with a contact", sms.Texts{Clinic: "Lakeside Health", Contact: "llame al 312-555-0100"}, sms.Help, "es",
			"Lakeside Health: ayuda con su cuenta del portal. Para hablar con una persona, responda AGENTE o llame al 312-555-0100. Responda PARAR para dejar de recibir mensajes."},
		{"no clinic name configured", sms.Texts{}, sms.OptIn, "en",
			"Portico: You will get texts from us again. Reply HELP for help, STOP to stop."},
		{"no keyword, no reply", texts, sms.NoKeyword, "en", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.texts.KeywordReply(tt.kw, tt.locale); got != tt.want {
				t.Errorf("KeywordReply =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// Every automatic reply costs one GSM-7 segment for a clinic name of up to
// 30 characters, when no contact is configured.
func TestKeywordRepliesFitOneSegment(t *testing.T) {
	texts := sms.Texts{Clinic: strings.Repeat("N", 30)}
	for _, kw := range []sms.Keyword{sms.OptOut, sms.OptIn, sms.Help} {
		for _, loc := range []string{"en", "es"} {
			reply := texts.KeywordReply(kw, loc)
			if size := sms.Measure(reply); size.Encoding != sms.GSM7 || size.Segments != 1 {
				t.Errorf("%s reply in %s: %d %s segments (%d units), want 1 GSM-7: %q", kw, loc, size.Segments, size.Encoding, size.Units, reply)
			}
		}
	}
}

func TestSecretLink(t *testing.T) {
	texts := sms.Texts{Clinic: "Lakeside Health"}
	const link = "https://portal.example/chat/l/Xy7"
	tests := []struct{ locale, want string }{
		{"en", "To choose your new password, open this secure link. It works once, for 15 minutes: " + link},
		{"es", "Para elegir su nueva contraseña, abra este enlace seguro. Sirve una vez, durante 15 minutos: " + link},
	}
	for _, tt := range tests {
		got := texts.SecretLink(link, 15, tt.locale)
		if got != tt.want {
			t.Errorf("SecretLink(%s) = %q, want %q", tt.locale, got, tt.want)
		}
		if size := sms.Measure(got); size.Encoding != sms.GSM7 || size.Segments != 1 {
			t.Errorf("SecretLink(%s) takes %d %s segments, want 1 GSM-7", tt.locale, size.Segments, size.Encoding)
		}
	}
}

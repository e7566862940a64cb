package sms

import (
	"strconv"
	"strings"

	"github.com/portico-chat/portico/bot"
)

// Texts fills the replies Portico sends by itself: the answers to
// keywords and the link that stands in for a secret question.
type Texts struct {
	Clinic string // the portal's name as patients know it (portal.name)
	// Contact is how to reach a person besides texting AGENT, e.g. "call
	// 312-555-0100, Mon-Fri 8-5"; "" for none.
	Contact string
}

// Reply templates, by locale. Each fits in one GSM-7 segment with a
// clinic name of up to 30 characters and no contact. The
// Spanish ones are worded without á, í, ó and ú, which GSM-7 lacks (ñ and
// é it has): one of them would make the whole text UCS-2, at 70 characters
// a segment instead of 160.
var replyTemplates = map[Keyword]map[string]string{
	OptOut: {
		bot.English: "{clinic}: You are unsubscribed and will get no more texts from us. Reply START to get texts again.",
		bot.Spanish: "{clinic}: Ya no le enviaremos mensajes de texto. Responda START para volver a recibirlos.",
	},
	OptIn: {
		bot.English: "{clinic}: You will get texts from us again. Reply HELP for help, STOP to stop.",
		bot.Spanish: "{clinic}: De nuevo le enviaremos mensajes de texto. Responda AYUDA para ayuda, PARAR para dejarlos.",
	},
	Help: {
		bot.English: "{clinic} patient portal help. To reach a person, reply AGENT{contact}. Reply STOP to stop texts. Msg&data rates may apply. Español: AYUDA",
		bot.Spanish: "{clinic}: ayuda con su cuenta del portal. Para hablar con una persona, responda AGENTE{contact}. Responda PARAR para dejar de recibir mensajes.",
	},
}

// contactJoin introduces Texts.Contact inside the help reply.
var contactJoin = map[string]string{bot.English: " or ", bot.Spanish: " o "}

// KeywordReply is the reply to a keyword in locale (English unless
// Spanish), filled with the clinic's name and contact.
func (t Texts) KeywordReply(k Keyword, locale string) string {
	loc := bot.NormalizeLocale(locale)
	tmpl := replyTemplates[k][loc]
	if tmpl == "" {
		return ""
	}
	contact := ""
	if c := strings.TrimSpace(t.Contact); c != "" {
		contact = contactJoin[loc] + c
	}
	return strings.NewReplacer("{clinic}", t.clinic(), "{contact}", contact).Replace(tmpl)
}

// linkTemplates ask the patient to continue in the browser, where a secret
// (a new password) can be typed safely: a secret never travels by SMS.
var linkTemplates = map[string]string{
	bot.English: "To choose your new password, open this secure link. It works once, for {minutes} minutes: {url}",
	bot.Spanish: "Para elegir su nueva contraseña, abra este enlace seguro. Sirve una vez, durante {minutes} minutos: {url}",
}

// SecretLink is the text that replaces a secret question on SMS: a
// short-lived, single-use HTTPS link that opens the web chat at that
// step. The link itself is made by the engine.
func (t Texts) SecretLink(url string, minutes int, locale string) string {
	return strings.NewReplacer("{url}", url, "{minutes}", strconv.Itoa(minutes)).Replace(linkTemplates[bot.NormalizeLocale(locale)])
}

// defaultClinic stands in when no name is configured.
const defaultClinic = "Portico"

func (t Texts) clinic() string {
	if c := strings.TrimSpace(t.Clinic); c != "" {
		return c
	}
	return defaultClinic
}

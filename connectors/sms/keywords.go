package sms

import (
	"strings"

	"github.com/portico-chat/portico/bot"
)

// Keyword is a carrier-standard command a patient texts, handled before
// any flow sees the message.
type Keyword string

const (
	NoKeyword Keyword = ""
	OptOut    Keyword = "opt_out" // STOP and its synonyms: no more texts
	OptIn     Keyword = "opt_in"  // START and its synonyms: texts again
	Help      Keyword = "help"    // HELP, INFO: who we are, how to reach a person
)

// maxKeywordBytes bounds the text MatchKeyword folds; the longest keyword
// is a dozen letters.
const maxKeywordBytes = 64

// keywords maps each word, folded (lower case, accents removed, inner
// punctuation and spaces collapsed to one space), to its command and the
// language it is in ("" for the carrier-standard English words, which
// patients use whatever language they speak).
//
// The English lists are Twilio's: its default opt-out handling blocks on
// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE and OPTOUT and
// lifts the block on START, UNSTOP and YES, so Portico's list agrees with
// the provider's. The Spanish words are Portico's own: the provider does
// not act on them, so the replies point patients to START as well.
var keywords = map[string]struct {
	kw     Keyword
	locale string
}{
	"stop": {OptOut, ""}, "stopall": {OptOut, ""}, "stop all": {OptOut, ""},
	"unsubscribe": {OptOut, ""}, "cancel": {OptOut, ""}, "end": {OptOut, ""},
	"quit": {OptOut, ""}, "revoke": {OptOut, ""}, "optout": {OptOut, ""}, "opt out": {OptOut, ""},
	"parar": {OptOut, bot.Spanish}, "cancelar": {OptOut, bot.Spanish},

	"start": {OptIn, ""}, "unstop": {OptIn, ""}, "yes": {OptIn, ""},
	"comenzar": {OptIn, bot.Spanish},

	"help": {Help, ""}, "info": {Help, ""},
	"ayuda": {Help, bot.Spanish},
}

// Match is a keyword found in a message.
type Match struct {
	Keyword Keyword
	Word    string // the keyword as folded, e.g. "stop", "parar"
	// Locale is the keyword's own language when it has one ("es" for
	// PARAR), "" for the carrier-standard English words.
	Locale string
}

// MatchKeyword reports the keyword a message is, if any. Carriers act only
// on a message that is the keyword alone: "STOP" and " stop. " match,
// "please stop texting me" does not. Case, accents, surrounding space and
// punctuation are ignored. YES is reported here like START; whether it
// opts in depends on the sender having opted out (see Gate), since YES is
// also an ordinary answer.
func MatchKeyword(body string) Match {
	if len(body) > maxKeywordBytes {
		return Match{}
	}
	w := strings.Join(foldWords(body), " ")
	k, ok := keywords[w]
	if !ok {
		return Match{}
	}
	return Match{Keyword: k.kw, Word: w, Locale: k.locale}
}

// conditional reports whether a keyword counts only when the sender has
// opted out: YES answers a flow's question otherwise.
func (m Match) conditional() bool { return m.Word == "yes" }

package sms

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/portico-chat/portico/bot"
)

// maxChoiceRunes bounds the reply Choose looks at; a choice is a few words.
const maxChoiceRunes = 100

// Prompt renders a bot message for text: the message, then its quick
// replies as numbered choices, "Reply 1 for set up my account, 2 for …".
// When that takes more than one segment and a compact list
// ("1 Set up my account" a line, then "Reply 1, 2, 3 or 4.") takes fewer,
// the list is used. Without replies it is the text alone.
func Prompt(text string, replies []bot.Reply, locale string) string {
	text = strings.TrimSpace(text)
	if len(replies) == 0 {
		return text
	}
	loc := bot.NormalizeLocale(locale)
	labels := make([]string, len(replies))
	for i, r := range replies {
		labels[i] = choiceLabel(r.Label, i+1)
	}
	sentence := joinNonEmpty("\n", text, sentenceChoices(labels, loc))
	list := joinNonEmpty("\n", text, listChoices(labels, loc))
	if Measure(list).Segments < Measure(sentence).Segments {
		return list
	}
	return sentence
}

// Render turns a bot message into the texts to send: its text and quick
// replies as Prompt writes them, split as Split does, each part with its
// segment count.
func Render(m bot.Message, locale string) []Part {
	return Split(Prompt(m.Text, m.Replies, locale))
}

// Choice phrases, by locale.
var choiceWords = map[string]struct{ reply, forWord, or string }{
	bot.English: {"Reply", "for", "or"},
	bot.Spanish: {"Responda", "para", "o"},
}

// sentenceChoices is "Reply 1 for x, 2 for y, or 3 for z."; a choice
// without words of its own is its number alone.
func sentenceChoices(labels []string, loc string) string {
	w := choiceWords[loc]
	sep := ", "
	for _, l := range labels {
		if strings.Contains(l, ",") {
			sep = "; " // commas inside labels would blur where a choice ends
		}
	}
	items := make([]string, len(labels))
	for i, l := range labels {
		items[i] = strconv.Itoa(i + 1)
		if l != "" {
			items[i] += " " + w.forWord + " " + lowerFirst(l)
		}
	}
	var b strings.Builder
	b.WriteString(w.reply + " ")
	for i, it := range items {
		switch {
		case i == 0:
		case i < len(items)-1:
			b.WriteString(sep)
		case sep == ", " && (len(items) == 2 || loc == bot.Spanish):
			b.WriteString(" " + w.or + " ") // "1 for x or 2 for y"; Spanish has no serial comma
		default:
			b.WriteString(sep + w.or + " ")
		}
		b.WriteString(it)
	}
	b.WriteString(".")
	return b.String()
}

// listChoices is one numbered line per choice, then "Reply 1, 2 or 3."
func listChoices(labels []string, loc string) string {
	w := choiceWords[loc]
	var b strings.Builder
	nums := make([]string, len(labels))
	for i, l := range labels {
		nums[i] = strconv.Itoa(i + 1)
		if l != "" {
			b.WriteString(nums[i] + " " + l + "\n")
		}
	}
	b.WriteString(w.reply + " ")
	if len(nums) == 1 {
		b.WriteString(nums[0])
	} else {
		b.WriteString(strings.Join(nums[:len(nums)-1], ", ") + " " + w.or + " " + nums[len(nums)-1])
	}
	b.WriteString(".")
	return b.String()
}

// choiceLabel drops a label's leading number when it is the choice's own
// ("1 – Poor" as choice 1 is "Poor"; "2" as choice 2 is nothing), so the
// number is not said twice.
func choiceLabel(label string, n int) string {
	label = strings.TrimSpace(label)
	num := strconv.Itoa(n)
	rest, ok := strings.CutPrefix(label, num)
	if !ok || rest != "" && !strings.ContainsRune(" .:)–—-", []rune(rest)[0]) {
		return label
	}
	return strings.TrimLeftFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || r == '–' })
}

// lowerFirst lower-cases a label's first word when it is an ordinary
// capitalised word ("Set up" → "set up", "A person" → "a person"), not an
// acronym ("ZIP") or the pronoun I ("I forgot", "I'm").
func lowerFirst(s string) string {
	first, _, _ := strings.Cut(s, " ")
	r, n := utf8.DecodeRuneInString(first)
	if !unicode.IsUpper(r) || first == "I" || strings.HasPrefix(first, "I'") || strings.HasPrefix(first, "I’") {
		return s
	}
	for _, c := range first[n:] {
		if unicode.IsUpper(c) {
			return s
		}
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// fillerWords may surround a choice without changing it: "option 2",
// "number 3 please", "I want 1".
var fillerWords = map[string]bool{
	"option": true, "opcion": true, "choice": true, "number": true, "numero": true, "num": true,
	"reply": true, "respuesta": true, "pick": true, "choose": true, "elijo": true, "select": true,
	"i": true, "want": true, "quiero": true, "please": true, "pls": true, "por": true, "favor": true,
	"the": true, "a": true, "el": true, "la": true, "my": true, "mi": true, "is": true, "es": true,
	"ok": true, "okay": true, "thanks": true, "gracias": true,
}

// numberWords read a typed-out choice number.
var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
	"uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9,
	"primero": 1, "primera": 1, "segundo": 2, "segunda": 2, "tercero": 3, "tercera": 3, "cuarto": 4, "quinto": 5,
}

// Choose reads a texted answer to numbered choices and returns the value
// of the reply it picks. The number picks it ("2", "2.", "#2", "option 2",
// "two"), or the words of one label ("reset password" picks "Reset my
// password"), ignoring case, accents, punctuation and filler words. Two
// numbers, a number out of range, or words that fit no label or more than
// one give no match; the caller then treats the text as typed.
func Choose(text string, replies []bot.Reply) (string, bool) {
	if len(replies) == 0 {
		return "", false
	}
	var content []string
	num := 0
	for _, w := range foldWords(text) {
		if fillerWords[w] {
			continue
		}
		if n, ok := choiceNumber(w); ok {
			if num != 0 {
				return "", false // "1 or 2"
			}
			num = n
			continue
		}
		content = append(content, w)
	}
	if num != 0 {
		if len(content) > 0 || num > len(replies) {
			return "", false
		}
		return replies[num-1].Value, true
	}
	if len(content) == 0 {
		return "", false
	}
	found := -1
	for i, r := range replies {
		if containsAll(labelWords(r), content) {
			if found >= 0 {
				return "", false // the words fit two labels
			}
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return replies[found].Value, true
}

func choiceNumber(w string) (int, bool) {
	if n, ok := numberWords[w]; ok {
		return n, true
	}
	if len(w) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(w)
	return n, err == nil && n > 0
}

// labelWords are the words of a reply's label and of its value
// ("reset_password" → "reset", "password").
func labelWords(r bot.Reply) map[string]bool {
	set := map[string]bool{}
	for _, w := range foldWords(r.Label + " " + r.Value) {
		set[w] = true
	}
	return set
}

func containsAll(set map[string]bool, words []string) bool {
	for _, w := range words {
		if !set[w] {
			return false
		}
	}
	return true
}

// foldWords lower-cases s, removes accents and apostrophes ("don't" is
// "dont") and splits it into words at anything that is not a letter or a
// digit.
func foldWords(s string) []string {
	if r := []rune(s); len(r) > maxChoiceRunes {
		s = string(r[:maxChoiceRunes])
	}
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '\'' || r == '’':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Fields(b.String())
}

package flows

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Trigger matching limits and thresholds.
const (
	// maxMatchRunes bounds the text Match looks at; triggers are short.
	maxMatchRunes = 300
	// minMatchScore is the share of a phrase's words the text must contain.
	minMatchScore = 0.75
	// minMatchMargin is how far the best flow must lead the next one;
	// closer than that, the text is ambiguous and nothing matches.
	minMatchMargin = 0.25
	// Word lengths from which one and two typos are forgiven.
	oneTypoLen = 4
	twoTypoLen = 8
)

// stopWords carry no meaning for matching ("reset my password" and
// "reset password" are the same request).
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "my": true, "i": true, "me": true, "to": true,
	"of": true, "is": true, "it": true, "for": true, "please": true, "pls": true,
	"can": true, "you": true, "in": true, "on": true, "and": true, "do": true, "with": true,
	"im": true, "want": true, "need": true, "help": true,
	"el": true, "la": true, "los": true, "las": true, "un": true, "una": true, "mi": true,
	"de": true, "del": true, "que": true, "y": true, "en": true, "por": true, "favor": true,
	"con": true, "se": true, "lo": true, "quiero": true, "necesito": true, "ayuda": true,
}

// trigger is a flow's phrase, folded into words once.
type trigger struct {
	flow   string
	locale string
	words  []word
}

// word is a folded word and its length in runes, counted once.
type word struct {
	s     string
	runes int
}

func toWords(ws []string) []word {
	out := make([]word, len(ws))
	for i, w := range ws {
		out[i] = word{w, utf8.RuneCountInString(w)}
	}
	return out
}

// words folds s for matching: lower case, accents removed, apostrophes
// dropped ("can't" is "cant"), other punctuation as spaces.
func words(s string) []string {
	if r := []rune(s); len(r) > maxMatchRunes {
		s = string(r[:maxMatchRunes])
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '\'' || r == '’' || r == '`':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Fields(b.String())
}

// contentWords drops stop words, unless that leaves nothing.
func contentWords(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return ws
	}
	return out
}

// similar reports whether an input word is the phrase word, allowing one
// typo in words of four letters or more and two in words of eight or more.
// A stop word is never a typo of something else ("want" is not "cant").
func similar(input, phrase word) bool {
	if input.s == phrase.s {
		return true
	}
	n := phrase.runes
	limit := 0
	switch {
	case n >= twoTypoLen:
		limit = 2
	case n >= oneTypoLen:
		limit = 1
	}
	if limit == 0 {
		return false
	}
	// Cheap rejections first: most pairs differ in length by more than
	// the typos allowed (no map lookup, no distance).
	if d := input.runes - n; d > limit || -d > limit {
		return false
	}
	if stopWords[input.s] {
		return false
	}
	return damerauLevenshtein(input.s, phrase.s, limit) <= limit
}

// score is the share of the phrase's words found in the input.
func score(input, phrase []word) float64 {
	found := 0
	for _, p := range phrase {
		for _, w := range input {
			if similar(w, p) {
				found++
				break
			}
		}
	}
	return float64(found) / float64(len(phrase))
}

// Match returns the flow whose trigger phrases best match text, looking
// at phrases in locale and in English. It tolerates case, punctuation,
// accents and small typos, and answers false when no flow matches well or
// when two flows match about as well.
func (s *Set) Match(text, locale string) (string, bool) {
	folded := words(text)
	if len(folded) == 0 {
		return "", false
	}
	// Words typed apart also count together: "user name" is "username".
	for i, n := 0, len(folded); i+1 < n; i++ {
		folded = append(folded, folded[i]+folded[i+1])
	}
	input := toWords(folded)
	base, _, _ := strings.Cut(strings.ToLower(locale), "-")
	best := map[string]float64{}
	for _, t := range s.triggers {
		if t.locale != base && t.locale != "en" {
			continue
		}
		if sc := score(input, t.words); sc > best[t.flow] {
			best[t.flow] = sc
		}
	}
	var first, second float64
	var flow string
	for _, name := range sortedKeys(best) {
		switch sc := best[name]; {
		case sc > first:
			first, second, flow = sc, first, name
		case sc > second:
			second = sc
		}
	}
	if first < minMatchScore || first-second < minMatchMargin {
		return "", false
	}
	return flow, true
}

// indexTriggers folds every trigger phrase of the set's flows.
func (s *Set) indexTriggers() {
	s.triggers = s.triggers[:0]
	for _, name := range s.Names() {
		f := s.flows[name]
		for _, loc := range sortedKeys(f.Triggers) {
			base, _, _ := strings.Cut(strings.ToLower(loc), "-")
			for _, phrase := range f.Triggers[loc] {
				if ws := contentWords(words(phrase)); len(ws) > 0 {
					s.triggers = append(s.triggers, trigger{flow: name, locale: base, words: toWords(ws)})
				}
			}
		}
	}
}

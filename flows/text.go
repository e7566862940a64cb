package flows

import (
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// localeRE is the shape of a locale key: a BCP 47 language, optionally
// with a region ("en", "es", "pt-BR").
var localeRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

// placeholderRE finds {slot} placeholders. Braces around anything else
// are left as they are.
var placeholderRE = regexp.MustCompile(`\{([a-z][a-z0-9_]*)\}`)

// EngineValues are the placeholders every flow may use without declaring a
// slot: the engine fills them from its configuration, so a text that names
// the portal or the password length stays true when an operator changes it.
var EngineValues = []string{"password_min_length", "portal_name"}

// maxTextLen bounds one localized text.
const maxTextLen = 2000

// textRef is a text of the flow and where it is, for placeholder checks.
type textRef struct {
	text Text
	pos  map[string]Pos // locale → position of the string
}

// text reads a localized text: a mapping of locale to string, which must
// have English.
func (p *parser) text(n *yaml.Node, what string) Text {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		p.r.add(posOf(n), "%s must be a mapping of locale to text, e.g. {en: ..., es: ...}", what)
		return nil
	}
	pairs, ok := p.mapping(n, what)
	if !ok {
		return nil
	}
	t := Text{}
	ref := textRef{text: t, pos: map[string]Pos{}}
	for _, kv := range pairs {
		loc := kv.key.Value
		if !localeRE.MatchString(loc) {
			p.r.add(posOf(kv.key), "%q is not a locale (use en, es …)", loc)
			continue
		}
		s, ok := p.str(kv.val, what+" in "+loc)
		if !ok {
			continue
		}
		if len(s) > maxTextLen {
			p.r.add(posOf(kv.val), "%s in %s is longer than %d characters", what, loc, maxTextLen)
			continue
		}
		t[loc] = s
		ref.pos[loc] = posOf(kv.val)
	}
	if _, ok := t["en"]; !ok && !hasKey(pairs, "en") {
		p.r.add(posOf(n), "%s has no \"en\" text", what)
	}
	p.texts = append(p.texts, ref)
	return t
}

// Placeholders returns the slot names used as {slot} in any locale,
// sorted and without repeats.
func (t Text) Placeholders() []string {
	seen := map[string]bool{}
	for _, s := range t {
		for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
			seen[m[1]] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Fill returns the text in locale (falling back to English) with each
// {slot} replaced by its value in slots. The validator guarantees that
// placeholders name only non-secret slots; a slot with no value yet is
// replaced by nothing.
func (t Text) Fill(locale string, slots map[string]string) string {
	s := t.In(locale)
	if !strings.Contains(s, "{") {
		return s
	}
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		return slots[m[1:len(m)-1]]
	})
}

// Locales returns the locales t has, sorted.
func (t Text) Locales() []string {
	locs := make([]string, 0, len(t))
	for l := range t {
		locs = append(locs, l)
	}
	sort.Strings(locs)
	return locs
}

package web

import "strings"

// cleanText neutralises what a patient typed before anyone stores or sees
// it (SECURITY.md, "Bad input"): control characters other than the
// newline are dropped (a tab becomes a space; CR LF, a lone CR and the
// Unicode line and paragraph separators become a newline), and so are the
// bidirectional controls (embeddings, overrides, isolates, marks), with
// which "evil.example" can be made to read as "elpmaxe.live" to an agent.
// Letters, digits, punctuation and emoji pass untouched. It is idempotent.
func cleanText(s string) string {
	if !needsCleaning(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == '\r':
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteByte('\n')
			}
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case dropped(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// needsCleaning reports whether s holds anything cleanText changes.
func needsCleaning(s string) bool {
	for _, r := range s {
		if r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029' || dropped(r) {
			return true
		}
	}
	return false
}

// dropped reports control and bidirectional-control characters.
func dropped(r rune) bool {
	switch {
	case r < 0x20 && r != '\n', r >= 0x7f && r <= 0x9f: // C0 but LF, DEL, C1
		return true
	case r == '\u061c', r == '\u200e', r == '\u200f': // ALM, LRM, RLM
		return true
	case r >= '\u202a' && r <= '\u202e': // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= '\u2066' && r <= '\u2069': // LRI, RLI, FSI, PDI
		return true
	case r == '\ufeff', r == '\ufffe', r == '\uffff': // BOM and non-characters
		return true
	}
	return false
}

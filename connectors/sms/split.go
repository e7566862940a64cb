package sms

import (
	"sort"
	"strings"
	"unicode"
)

// MaxSegments is the most segments one outbound message may take. The
// carrier bills each segment, and some handsets show a long concatenated
// message in pieces; a longer text is sent as several messages instead,
// each at most this long.
const MaxSegments = 3

// Part is one outbound message and its cost.
type Part struct {
	Text string
	Size
}

// Split turns a text into the messages to send: one if it fits in
// MaxSegments segments, otherwise several, broken at paragraph or word
// boundaries (a word longer than a whole message is cut between
// characters). Each part is measured on its own, so a part without
// accented characters stays GSM-7 even if another part needs UCS-2.
// Surrounding white space is trimmed; an empty text gives no parts.
func Split(text string) []Part {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if size := Measure(text); size.Segments <= MaxSegments {
		return []Part{{Text: text, Size: size}}
	}
	var parts []Part
	var cur strings.Builder
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			parts = append(parts, Part{Text: t, Size: Measure(t)})
		}
		cur.Reset()
	}
	for _, tok := range tokens(text) {
		if fits(cur.String() + tok) {
			cur.WriteString(tok)
			continue
		}
		// Break at the last paragraph of the current part if that keeps at
		// least half of it, so a paragraph is not split needlessly.
		head, tail := breakAtParagraph(cur.String())
		cur.Reset()
		cur.WriteString(head)
		flush()
		cur.WriteString(strings.TrimLeftFunc(tail, unicode.IsSpace))
		if fits(cur.String() + tok) {
			cur.WriteString(tok)
			continue
		}
		flush()
		tok = strings.TrimLeftFunc(tok, unicode.IsSpace)
		for !fits(tok) {
			n := longestFit(tok)
			cur.WriteString(tok[:n])
			flush()
			tok = tok[n:]
		}
		cur.WriteString(tok)
	}
	flush()
	return parts
}

// fits reports whether s, trimmed, is one message of at most MaxSegments.
func fits(s string) bool {
	return Measure(strings.TrimSpace(s)).Segments <= MaxSegments
}

// tokens cuts s into words, each carrying the white space before it, so
// that joining the tokens gives s back.
func tokens(s string) []string {
	var out []string
	start, inSpace := 0, true
	for i, r := range s {
		space := unicode.IsSpace(r)
		if !space && inSpace && i > start && strings.TrimSpace(s[start:i]) != "" {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = space
	}
	return append(out, s[start:])
}

// breakAtParagraph splits s after its last line break, if that line break
// lies in the second half of s; otherwise it returns s whole.
func breakAtParagraph(s string) (head, tail string) {
	i := strings.LastIndexByte(strings.TrimRightFunc(s, unicode.IsSpace), '\n')
	if i < len(s)/2 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// longestFit is the byte length of the longest prefix of s, cut between
// characters, that fits in one message (at least one character).
func longestFit(s string) int {
	var cuts []int // byte offsets after each character
	for i := range s {
		if i > 0 {
			cuts = append(cuts, i)
		}
	}
	cuts = append(cuts, len(s))
	// Longer prefixes never cost fewer segments, so the prefixes that fit
	// come first.
	n := sort.Search(len(cuts), func(k int) bool { return !fits(s[:cuts[k]]) })
	if n == 0 {
		return cuts[0]
	}
	return cuts[n-1]
}

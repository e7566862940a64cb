package sms_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/portico-chat/portico/connectors/sms"
)

// words builds a text of n words, each "wordNN" style, separated by sep.
func words(n int, word, sep string) string {
	w := make([]string, n)
	for i := range w {
		w[i] = word
	}
	return strings.Join(w, sep)
}

func TestSplit(t *testing.T) {
	long := words(150, "patient", " ") // 1,199 GSM-7 characters: 8 segments
	paragraphs := words(30, "alpha", " ") + "\n" + words(30, "bravo", " ") + "\n" + words(30, "delta", " ")
	tests := []struct {
		name      string
		text      string
		wantParts []string // exact texts, or nil to check only the count
		wantCount int
	}{
		{"empty", "  \n ", nil, 0},
		{"short stays whole", " Your code is 123456. ", []string{"Your code is 123456."}, 1},
		{"three segments stay one message", strings.Repeat("a", 459), []string{strings.Repeat("a", 459)}, 1},
		{"a long text becomes several", long, nil, 3},
		{"paragraphs are kept together", paragraphs, []string{
			words(30, "alpha", " ") + "\n" + words(30, "bravo", " "),
			words(30, "delta", " "),
		}, 2},
		{"a word longer than a message is cut", strings.Repeat("x", 1000), []string{
			strings.Repeat("x", 459), strings.Repeat("x", 459), strings.Repeat("x", 82),
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := sms.Split(tt.text)
			if len(parts) != tt.wantCount {
				t.Fatalf("got %d parts, want %d: %q", len(parts), tt.wantCount, texts(parts))
			}
			if tt.wantParts != nil {
				for i, p := range parts {
					if p.Text != tt.wantParts[i] {
						t.Errorf("part %d = %q, want %q", i, p.Text, tt.wantParts[i])
					}
				}
			}
			checkParts(t, tt.text, parts)
		})
	}
}

func TestSplitAtWordBoundaries(t *testing.T) {
	text := words(150, "patient", " ")
	parts := sms.Split(text)
	for i, p := range parts {
		for _, w := range strings.Fields(p.Text) {
			if w != "patient" {
				t.Fatalf("part %d holds %q: a word was cut", i, w)
			}
		}
		if i < len(parts)-1 && p.Segments != sms.MaxSegments {
			t.Errorf("part %d takes %d segments; a full part should take %d", i, p.Segments, sms.MaxSegments)
		}
	}
}

func TestSplitMeasuresEachPart(t *testing.T) {
	// The first paragraph is plain GSM-7; the second has accents, so only
	// it pays the UCS-2 price.
	gsm := words(60, "simple", " ")      // 419 characters
	ucs := words(40, "información", " ") // UCS-2
	parts := sms.Split(gsm + "\n" + ucs)
	if len(parts) < 2 {
		t.Fatalf("got %d parts, want at least 2", len(parts))
	}
	if parts[0].Encoding != sms.GSM7 {
		t.Errorf("first part encoding = %s, want %s", parts[0].Encoding, sms.GSM7)
	}
	if last := parts[len(parts)-1]; last.Encoding != sms.UCS2 {
		t.Errorf("last part encoding = %s, want %s", last.Encoding, sms.UCS2)
	}
	checkParts(t, gsm+"\n"+ucs, parts)
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"", "hello", strings.Repeat("a ", 400), strings.Repeat("€", 300), strings.Repeat("🙂 x", 200),
		strings.Repeat("á", 500) + " " + strings.Repeat("b", 500), "\n\n\n" + strings.Repeat("word\n", 200),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 8000 {
			return
		}
		checkParts(t, s, sms.Split(s))
	})
}

// checkParts asserts what holds for every split: each part is non-empty,
// trimmed, correctly measured, at most MaxSegments long, and together the
// parts hold every non-space character of the text, in order.
func checkParts(t *testing.T, text string, parts []sms.Part) {
	t.Helper()
	for i, p := range parts {
		if p.Text == "" || p.Text != strings.TrimSpace(p.Text) {
			t.Fatalf("part %d = %q: empty or untrimmed", i, p.Text)
		}
		if p.Size != sms.Measure(p.Text) {
			t.Fatalf("part %d size = %+v, want %+v", i, p.Size, sms.Measure(p.Text))
		}
		if p.Segments < 1 || p.Segments > sms.MaxSegments {
			t.Fatalf("part %d takes %d segments, want 1..%d", i, p.Segments, sms.MaxSegments)
		}
	}
	if got, want := squeeze(strings.Join(texts(parts), "")), squeeze(text); got != want {
		t.Fatalf("parts hold %q, want %q", got, want)
	}
}

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func texts(parts []sms.Part) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.Text
	}
	return out
}

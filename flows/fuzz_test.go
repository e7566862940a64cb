package flows

import (
	"io/fs"
	"testing"
	"unicode/utf8"
)

// FuzzParse: the loader never panics, and what it accepts it can compile
// into a machine.
func FuzzParse(f *testing.F) {
	entries, _ := fs.ReadDir(Builtin(), ".")
	for _, e := range entries {
		src, _ := fs.ReadFile(Builtin(), e.Name())
		f.Add(src)
	}
	for _, c := range problemCases {
		f.Add([]byte(c.src))
	}
	cat := testCatalog()
	f.Fuzz(func(t *testing.T, src []byte) {
		flow, err := Parse("fuzz.yaml", src, cat)
		if err != nil {
			if ps, ok := err.(Problems); !ok || len(ps) == 0 || len(ps) > maxProblems+1 {
				t.Fatalf("Parse error %T with %d problems", err, len(ps))
			}
			return
		}
		m := flow.Machine(flow.Start)
		if m.Current() != flow.Start {
			t.Fatalf("machine starts in %q, want %q", m.Current(), flow.Start)
		}
	})
}

// fuzzNormalize checks, for any input: no panic, an accepted value is
// valid UTF-8 and normalises to itself.
func fuzzNormalize(f *testing.F, slot *Slot, seeds ...string) {
	for _, s := range seeds {
		f.Add(s, "en")
		f.Add(s, "es")
	}
	for _, c := range normalizeCases {
		if c.slot.Type == slot.Type {
			f.Add(c.input, c.locale)
		}
	}
	f.Fuzz(func(t *testing.T, input, locale string) {
		once, err := Normalize(slot, input, locale, today)
		if err != nil {
			if reason(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if !utf8.ValidString(once) {
			t.Fatalf("Normalize(%q) = %q, not UTF-8", input, once)
		}
		twice, err := Normalize(slot, once, locale, today)
		if err != nil || twice != once {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", input, once, twice, err)
		}
	})
}

func FuzzNormalizeDate(f *testing.F) {
	fuzzNormalize(f, dateSlot, "3/14/80", "14 de marzo de 1980", "1980-3-14", "0/0/0", "99999999")
}

func FuzzNormalizeZIP(f *testing.F) {
	fuzzNormalize(f, zipSlot, "12345", "12345-6789", "1234567890")
}

func FuzzNormalizePhone(f *testing.F) {
	fuzzNormalize(f, phoneSlot, "+1 (312) 555-0187", "+442079460958", "+1")
}

func FuzzNormalizeEmail(f *testing.F) {
	fuzzNormalize(f, emailSlot, "a@b.co", "A@B.CO", "a@b@c.de")
}

func FuzzNormalizeCode(f *testing.F) {
	fuzzNormalize(f, codeSlot, "123456", "12 34 56", "-1-2-3-4-5-6-")
}

package flows

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// today is the fixed date the normaliser tests run on.
var today = time.Date(2026, time.March, 10, 15, 0, 0, 0, time.UTC)

var (
	nameSlot   = &Slot{Name: "first_name", Type: SlotName}
	dateSlot   = &Slot{Name: "dob", Type: SlotDate}
	zipSlot    = &Slot{Name: "zip", Type: SlotZIP}
	emailSlot  = &Slot{Name: "email", Type: SlotEmail}
	phoneSlot  = &Slot{Name: "phone", Type: SlotPhone}
	codeSlot   = &Slot{Name: "otp", Type: SlotCode, Length: 6}
	tokenSlot  = &Slot{Name: "activation_code", Type: SlotToken}
	secretSlot = &Slot{Name: "new_password", Type: SlotSecret}
	textSlot   = &Slot{Name: "username", Type: SlotText}
)

// normalizeCases: want is the value, or "!reason" for a refusal.
var normalizeCases = []struct {
	slot          *Slot
	input, locale string
	want          string
}{
	{nameSlot, "  Mary   Jo ", "en", "Mary Jo"},
	{nameSlot, "O’Brien-Smith Jr.", "en", "O'Brien-Smith Jr."},
	{nameSlot, "José", "es", "José"},
	{nameSlot, "R2D2", "en", "!name_characters"},
	{nameSlot, "  ", "en", "!empty"},
	{nameSlot, "-.'", "en", "!empty"},
	{nameSlot, strings.Repeat("a", 61), "en", "!too_long"},

	{dateSlot, "03/14/1980", "en", "1980-03-14"},
	{dateSlot, "3-14-80", "en", "1980-03-14"},
	{dateSlot, "3.14.1980", "en", "1980-03-14"},
	{dateSlot, "1980-03-14", "en", "1980-03-14"},
	{dateSlot, "1980-03-14", "es", "1980-03-14"},
	{dateSlot, "03141980", "en", "1980-03-14"},
	{dateSlot, "19800314", "en", "1980-03-14"},
	{dateSlot, "March 14 1980", "en", "1980-03-14"},
	{dateSlot, "march 14th, 1980", "en", "1980-03-14"},
	{dateSlot, "14 Mar 1980", "en", "1980-03-14"},
	{dateSlot, "14 de marzo de 1980", "es", "1980-03-14"},
	{dateSlot, "14 DE MARZO DEL 1980", "es", "1980-03-14"},
	{dateSlot, "1 de septiembre de 1975", "es", "1975-09-01"},
	{dateSlot, "14/03/1980", "es", "1980-03-14"},
	{dateSlot, "04/03/1980", "es", "1980-03-04"}, // day first in Spanish
	{dateSlot, "04/03/1980", "en", "1980-04-03"}, // month first in English
	{dateSlot, "14/03/1980", "en", "1980-03-14"}, // only one order is a date
	{dateSlot, "1/2/05", "en", "2005-01-02"},
	{dateSlot, "1/2/26", "en", "2026-01-02"},   // two-digit years: the most recent past date
	{dateSlot, "12/25/26", "en", "1926-12-25"}, // 2026-12-25 is still to come
	{dateSlot, "02/30/1980", "en", "!date_impossible"},
	{dateSlot, "13/13/1980", "en", "!date_impossible"},
	{dateSlot, "02/29/1981", "en", "!date_impossible"},
	{dateSlot, "02/29/1980", "en", "1980-02-29"},
	{dateSlot, "03/11/2026", "en", "!date_in_future"},
	{dateSlot, "03/10/2026", "en", "2026-03-10"},
	{dateSlot, "01/01/1890", "en", "!date_too_old"},
	{dateSlot, "yesterday", "en", "!date_format"},
	{dateSlot, "March April 1980", "en", "!date_format"},
	{dateSlot, "1980", "en", "!date_format"},
	{dateSlot, "12/1980", "en", "!date_format"},
	{dateSlot, "03/14/1980; drop table", "en", "!date_format"},

	{zipSlot, "60614", "en", "60614"},
	{zipSlot, " 60614-1234 ", "en", "60614"},
	{zipSlot, "60614 1234", "en", "60614"},
	{zipSlot, "6061", "en", "!zip_format"},
	{zipSlot, "60614-12", "en", "!zip_format"},
	{zipSlot, "ABCDE", "en", "!zip_format"},

	{emailSlot, " Jo.Smith+portal@Example.ORG ", "en", "Jo.Smith+portal@example.org"},
	{emailSlot, "jo@mail.example.co.uk", "en", "jo@mail.example.co.uk"},
	{emailSlot, "jo@example", "en", "!email_format"},
	{emailSlot, "jo@@example.com", "en", "!email_format"},
	{emailSlot, "jo..smith@example.com", "en", "!email_format"},
	{emailSlot, "@example.com", "en", "!email_format"},
	{emailSlot, "jo smith@example.com", "en", "!email_format"},
	{emailSlot, "jo@-example.com", "en", "!email_format"},

	{phoneSlot, "(312) 555-0187", "en", "+13125550187"},
	{phoneSlot, "312.555.0187", "en", "+13125550187"},
	{phoneSlot, "1-312-555-0187", "en", "+13125550187"},
	{phoneSlot, "+1 312 555 0187", "en", "+13125550187"},
	{phoneSlot, "+44 20 7946 0958", "en", "+442079460958"},
	{phoneSlot, "555-0187", "en", "!phone_format"},
	{phoneSlot, "(112) 555-0187", "en", "!phone_format"},
	{phoneSlot, "312 555 0187 x12", "en", "!phone_format"},
	{phoneSlot, "+0 123 456 789", "en", "!phone_format"},

	{codeSlot, "123456", "en", "123456"},
	{codeSlot, "123 456", "en", "123456"},
	{codeSlot, "123-456", "en", "123456"},
	{codeSlot, "12345", "en", "!code_format"},
	{codeSlot, "12345a", "en", "!code_format"},
	{&Slot{Type: SlotCode, Length: 8}, "1234 5678", "en", "12345678"},
	{&Slot{Type: SlotCode}, "654321", "en", "654321"}, // default length 6

	{tokenSlot, "abcd-efgh-23", "en", "ABCDEFGH23"},
	{tokenSlot, "ab", "en", "!code_format"},
	{tokenSlot, "abcd_efgh", "en", "!code_format"},

	{secretSlot, "  correct horse battery staple  ", "en", "  correct horse battery staple  "},
	{secretSlot, "", "en", "!empty"},
	{secretSlot, strings.Repeat("x", 1025), "en", "!too_long"},

	{textSlot, "  jsmith ", "en", "jsmith"},
	{textSlot, "", "en", "!empty"},
	{textSlot, "a\x00b", "en", "!control_characters"},
	{textSlot, strings.Repeat("é", 201), "en", "!too_long"},
	{textSlot, "\xff\xfe", "en", "!bad_encoding"},

	{&Slot{Type: SlotChoice}, "yes", "en", "!unsupported_type"},
}

func TestNormalize(t *testing.T) {
	for _, c := range normalizeCases {
		got, err := Normalize(c.slot, c.input, c.locale, today)
		if strings.HasPrefix(c.want, "!") {
			if !errors.Is(err, ErrInvalid) || reason(err) != c.want[1:] {
				t.Errorf("Normalize(%s, %q, %s) = %q, %v; want reason %s", c.slot.Type, c.input, c.locale, got, err, c.want[1:])
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Normalize(%s, %q, %s) = %q, %v; want %q", c.slot.Type, c.input, c.locale, got, err, c.want)
		}
	}
}

// TestNormalizeIdempotent: a normalised value normalises to itself.
func TestNormalizeIdempotent(t *testing.T) {
	for _, c := range normalizeCases {
		checkIdempotent(t, c.slot, c.input, c.locale)
	}
}

func checkIdempotent(t *testing.T, slot *Slot, input, locale string) {
	t.Helper()
	once, err := Normalize(slot, input, locale, today)
	if err != nil {
		return
	}
	twice, err := Normalize(slot, once, locale, today)
	if err != nil || twice != once {
		t.Errorf("Normalize(%s) not idempotent: %q → %q → %q (%v)", slot.Type, input, once, twice, err)
	}
}

func TestReason(t *testing.T) {
	if got := reason(errors.New("boom")); got != "" {
		t.Errorf("reason(other error) = %q, want \"\"", got)
	}
	if got := reason(nil); got != "" {
		t.Errorf("reason(nil) = %q, want \"\"", got)
	}
}

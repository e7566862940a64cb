package patients

import (
	"strings"
	"testing"
	"time"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string // want "" for an error
	}{
		{"(202) 555-0143", "+12025550143"},
		{"202.555.0143", "+12025550143"},
		{"202-555-0143", "+12025550143"},
		{"2025550143", "+12025550143"},
		{"1 202 555 0143", "+12025550143"},
		{"+1 (202) 555-0143", "+12025550143"},
		{"+12025550143", "+12025550143"},
		{" +44 20 7946 0958 ", "+442079460958"},
		{"555-0143", ""},          // no area code
		{"(102) 555-0143", ""},    // area code starts with 1
		{"(202) 155-0143", ""},    // exchange starts with 1
		{"+1 202 555 014", ""},    // too short for +1
		{"22025550143", ""},       // 11 digits, not 1
		{"202-555-0143 x12", ""},  // extension
		{"+0 123 4567 8901", ""},  // country code 0
		{"202 555 0143+", ""},     // stray plus
		{"+1234567890123456", ""}, // longer than E.164
		{"", ""},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalizePhone(%q): got %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"(202) 555-0143", "+442079460958", "+1", "1-800-555-0199", "++1", "٣٣٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, err := NormalizePhone(s)
		if err != nil {
			return
		}
		twice, err := NormalizePhone(once)
		if err != nil || twice != once {
			t.Errorf("NormalizePhone(%q) = %q, of that: %q, %v", s, once, twice, err)
		}
		if !strings.HasPrefix(once, "+") || len(once) > 16 {
			t.Errorf("NormalizePhone(%q) = %q, not E.164", s, once)
		}
	})
}

func TestParseDOB(t *testing.T) {
	today := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in, want, wantErr string
	}{
		{"1980-02-29", "1980-02-29", ""},
		{" 2025-03-14 ", "2025-03-14", ""},
		{"1980-02-30", "", `not a real date`},
		{"1981-02-29", "", `not a real date`},
		{"1980-13-01", "", `not a real date`},
		{"02/03/1980", "", `want YYYY-MM-DD`},
		{"1980-2-3", "", `want YYYY-MM-DD`},
		{"1899-12-31", "", `not a plausible date of birth`},
		{"2025-03-15", "", `not a plausible date of birth`},
		{"", "", `want YYYY-MM-DD`},
	}
	for _, tt := range tests {
		got, err := parseDOB(tt.in, today)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("parseDOB(%q): got %q, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseDOB(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseZIPAndEmail(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"02139", "02139"}, {"02139-4307", "02139"}, {" 10001 ", "10001"},
		{"2139", ""}, {"021390", ""}, {"0213a", ""}, {"02139-43", ""}, {"", ""},
	} {
		got, err := parseZIP(tt.in)
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("parseZIP(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"ana@example.org", "ana@example.org"},
		{"Ana.Test@Example.ORG", "Ana.Test@example.org"},
		{"Ana <ana@example.org>", ""},
		{"ana@localhost", ""},
		{"ana", ""},
		{"ana@@example.org", ""},
	} {
		got, err := parseEmail(tt.in)
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("parseEmail(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

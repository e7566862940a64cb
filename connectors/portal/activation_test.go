package portal

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
)

func TestNewActivationCode(t *testing.T) {
	shape := regexp.MustCompile(`^[` + activationAlphabet + `]{5}-[` + activationAlphabet + `]{5}$`)
	seen := map[string]bool{}
	counts := map[rune]int{}
	const n = 2000
	for range n {
		c, err := NewActivationCode()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(c) {
			t.Fatalf("got code %q, want XXXXX-XXXXX from %s", c, activationAlphabet)
		}
		if seen[c] {
			t.Fatalf("got code %q twice in %d", c, n)
		}
		seen[c] = true
		for _, r := range strings.ReplaceAll(c, "-", "") {
			counts[r]++
		}
	}
	// Every symbol turns up; none is wildly over-represented (each is
	// expected 2000*10/31 ≈ 645 times).
	for _, r := range activationAlphabet {
		if counts[r] < 450 || counts[r] > 850 {
			t.Errorf("symbol %q: got %d times, want about 645", r, counts[r])
		}
	}
}

func TestNormalizeActivationCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abcde-fghjk", "ABCDEFGHJK"},
		{" ABCDE FGHJK ", "ABCDEFGHJK"},
		{"ab-cd\u2013ef\u2010gh", "ABCDEFGH"},
		{"ABCDEFGHJK", "ABCDEFGHJK"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeActivationCode(tt.in); got != tt.want {
			t.Errorf("NormalizeActivationCode(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalizeActivationCode(f *testing.F) {
	for _, s := range []string{"abcde-fghjk", " A B-C ", "ñ-ß", "\u2013\u2010", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := NormalizeActivationCode(s)
		if twice := NormalizeActivationCode(once); twice != once {
			t.Errorf("normalize(%q) = %q, normalize of that = %q", s, once, twice)
		}
		if strings.ContainsAny(once, " -") {
			t.Errorf("normalize(%q) = %q still has a space or dash", s, once)
		}
	})
}

func TestActivationHash(t *testing.T) {
	h1, err := hashActivationCode("ABCDEFGHJK")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashActivationCode("ABCDEFGHJK")
	if h1 == h2 {
		t.Error("two hashes of one code are equal, want per-row salts")
	}
	if strings.Contains(h1, "ABCDEFGHJK") {
		t.Errorf("hash %q holds the code", h1)
	}
	for _, tt := range []struct {
		stored, code string
		want         bool
	}{
		{h1, "ABCDEFGHJK", true},
		{h2, "ABCDEFGHJK", true},
		{h1, "ABCDEFGHJM", false},
		{h1, "", false},
		{"", "ABCDEFGHJK", false},
		{"garbage", "ABCDEFGHJK", false},
		{dummyActivationHash, "", false},
	} {
		if got := activationCodeMatches(tt.stored, tt.code); got != tt.want {
			t.Errorf("activationCodeMatches(%q, %q): got %v, want %v", tt.stored, tt.code, got, tt.want)
		}
	}
}

func TestCheckActivationCode(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(f *fixture)
		code    func(f *fixture) string
		dob     string
		zip     string
		want    string // "" for ENOTFOUND
	}{
		{name: "as printed", code: func(f *fixture) string { return f.code }, dob: "1980-01-02", zip: "02139", want: "r-ana"},
		{name: "lower case, no dash", dob: "1980-01-02", zip: "02139", want: "r-ana",
			code: func(f *fixture) string { return strings.ToLower(strings.ReplaceAll(f.code, "-", "")) }},
		{name: "spaces", dob: "1980-01-02", zip: "02139", want: "r-ana",
			code: func(f *fixture) string { return " " + strings.ReplaceAll(f.code, "-", " ") + " " }},
		{name: "wrong code", code: func(*fixture) string { return "AAAAA-AAAAA" }, dob: "1980-01-02", zip: "02139"},
		{name: "empty code", code: func(*fixture) string { return "" }, dob: "1980-01-02", zip: "02139"},
		{name: "wrong dob", code: func(f *fixture) string { return f.code }, dob: "1980-01-03", zip: "02139"},
		{name: "wrong zip", code: func(f *fixture) string { return f.code }, dob: "1980-01-02", zip: "02140"},
		{name: "one second before expiry", code: func(f *fixture) string { return f.code }, dob: "1980-01-02", zip: "02139", want: "r-ana",
			prepare: func(f *fixture) { f.clock.Advance(DefaultActivationTTL - 1) }},
		{name: "expired", code: func(f *fixture) string { return f.code }, dob: "1980-01-02", zip: "02139",
			prepare: func(f *fixture) { f.clock.Advance(DefaultActivationTTL) }},
		{name: "used: account activated", code: func(f *fixture) string { return f.code }, dob: "1980-01-02", zip: "02139",
			prepare: func(f *fixture) {
				if err := f.dir.Activate(context.Background(), "r-ana", "ana.t", goodPassword, "k1"); err != nil {
					panic(err)
				}
			}},
		{name: "account disabled by staff", code: func(f *fixture) string { return f.code }, dob: "1980-01-02", zip: "02139",
			prepare: func(f *fixture) {
				f.records.UpdatePatient(context.Background(), "r-ana", "", func(p *Patient) error {
					p.Status = bot.AccountDisabled
					return nil
				})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.prepare != nil {
				tt.prepare(f)
			}
			got, err := f.dir.CheckActivationCode(context.Background(), tt.code(f), tt.dob, tt.zip)
			if tt.want == "" {
				wantCode(t, err, bot.ENOTFOUND, "")
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}

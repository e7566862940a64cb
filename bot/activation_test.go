package bot

import (
	"regexp"
	"strings"
	"testing"
	"time"
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
	h1, err := HashActivationCode("ABCDEFGHJK")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashActivationCode("ABCDEFGHJK")
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
		if got := ActivationCodeMatches(tt.stored, tt.code); got != tt.want {
			t.Errorf("ActivationCodeMatches(%q, %q): got %v, want %v", tt.stored, tt.code, got, tt.want)
		}
	}
}

// TestLiveActivationCodes: the code as the patient types it is compared
// with each candidate's stored hash, and only an unexpired one counts.
// (Which account states a code may activate is the engine's check:
// TestActivationCodeNeedsAPendingAccount in the bot_test package.)
func TestLiveActivationCodes(t *testing.T) {
	const printed = "J36DM-T8UG5"
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	hash, err := HashActivationCode(NormalizeActivationCode(printed))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := HashActivationCode("AAAAABBBBB")
	ttl := 90 * 24 * time.Hour
	stored := map[string]ActivationCode{
		"r-ana":   {RecordID: "r-ana", Hash: hash, Expires: now.Add(ttl)},
		"r-other": {RecordID: "r-other", Hash: other, Expires: now.Add(ttl)},
	}
	candidates := []string{"r-ana", "r-other", "r-none"}
	tests := []struct {
		name string
		code string
		now  time.Time
		want string // "" for none
	}{
		{name: "as printed", code: printed, now: now, want: "r-ana"},
		{name: "lower case, no dash", code: strings.ToLower(strings.ReplaceAll(printed, "-", "")), now: now, want: "r-ana"},
		{name: "spaces", code: " " + strings.ReplaceAll(printed, "-", " ") + " ", now: now, want: "r-ana"},
		{name: "wrong code", code: "AAAAA-CCCCC", now: now},
		{name: "empty code", code: "", now: now},
		{name: "one second before expiry", code: printed, now: now.Add(ttl - time.Second), want: "r-ana"},
		{name: "expired", code: printed, now: now.Add(ttl)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := liveActivationCodes(tt.code, candidates, stored, tt.now)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("got %v, want none", got)
			case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
				t.Errorf("got %v, want [%s]", got, tt.want)
			}
		})
	}
	if got := liveActivationCodes(printed, []string{"r-other", "r-none"}, stored, now); len(got) != 0 {
		t.Errorf("the code with other records' dates of birth: got %v, want none", got)
	}
}

package password

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustelem/zxcvbn/frequency"

	"github.com/portico-chat/portico/bot"
)

// Passwords that pass the default policy.
const (
	goodPassword  = "correct horse battery staple"
	otherPassword = "violet lanterns over harbor"
)

func TestHashPassword(t *testing.T) {
	h1, err := Hash(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := Hash(goodPassword)
	shape := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !shape.MatchString(h1) {
		t.Errorf("got hash %q, want argon2id PHC with m=19456,t=2,p=1, 16-byte salt, 32-byte key", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal, want random salts")
	}
	tests := []struct {
		name, phc, pw string
		want          bool
	}{
		{"right", h1, goodPassword, true},
		{"right, other salt", h2, goodPassword, true},
		{"wrong", h1, otherPassword, false},
		{"one letter off", h1, goodPassword[:len(goodPassword)-1] + "E", false},
		{"longer", h1, goodPassword + " ", false},
		{"empty password", h1, "", false},
		{"empty hash", "", goodPassword, false},
		{"not argon2id", strings.Replace(h1, "argon2id", "argon2i", 1), goodPassword, false},
		{"wrong version", strings.Replace(h1, "v=19", "v=16", 1), goodPassword, false},
		{"huge memory", strings.Replace(h1, "m=19456", "m=99999999", 1), goodPassword, false},
		{"zero time", strings.Replace(h1, "t=2", "t=0", 1), goodPassword, false},
		{"truncated", h1[:len(h1)-10], goodPassword, false},
		{"bad base64", h1[:len(h1)-1] + "!", goodPassword, false},
	}
	for _, tt := range tests {
		if got := Matches(tt.phc, tt.pw); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHashPasswordNormalizesNFKC(t *testing.T) {
	// "ﬁ" (U+FB01) is "fi" under NFKC; "é" composed and decomposed agree.
	h, err := Hash("ﬁne café au lait please")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"fine café au lait please", "ﬁne cafe\u0301 au lait please"} {
		if !Matches(h, pw) {
			t.Errorf("Matches(%q): got false, want true (same password after NFKC)", pw)
		}
	}
}

func TestDummyHashIsValid(t *testing.T) {
	if _, err := parsePHC(Dummy()); err != nil {
		t.Errorf("dummy hash: %v", err)
	}
	if Matches(Dummy(), "") {
		t.Error("dummy hash matches the empty password")
	}
}

func TestBlocklistSize(t *testing.T) {
	if n := len(blocklist()); n < 10_000 {
		t.Errorf("got %d blocklisted passwords, want at least 10,000", n)
	}
	if n := len(frequency.FrequencyLists["passwords"]); n < 10_000 {
		t.Errorf("zxcvbn list: got %d, want at least 10,000", n)
	}
}

func TestPasswordPolicy(t *testing.T) {
	def := Policy{}.WithDefaults()
	twoFactor := Policy{MinLength: 8}.WithDefaults()
	clinic := Policy{PortalName: "Sample Health"}.WithDefaults()
	tests := []struct {
		name    string
		policy  Policy
		pw      string
		wantMsg string // "" for accepted
	}{
		// Length, in code points after NFKC (SECURITY.md).
		{"14 code points", def, "violet ferns u", bot.PasswordTooShort},
		{"15 code points", def, "violet fern sky", ""},
		{"14 code points, 28 bytes", def, "éclair ñandú ü", bot.PasswordTooShort},
		{"15 code points, 30 bytes", def, "éclair ñandú üö", ""},
		// NFKC turns the ligature "ﬁ" into two letters: 14 → 15 code points.
		{"ligature counts after NFKC", def, "ﬁrst light now", ""},
		{"ligature text still short", def, "ﬁrst light no", bot.PasswordTooShort},
		// Each emoji is one code point however many bytes it takes.
		{"15 emoji", def, "🐢🌵🎈🍋🚲🦉🎻🌙🧭🍄🐙🎲🌈🪁🥨", ""},
		{"14 emoji", def, "🐢🌵🎈🍋🚲🦉🎻🌙🧭🍄🐙🎲🌈🪁", bot.PasswordTooShort},
		{"64 accepted", def, longPassphrase(64), ""},
		{"256 accepted", def, longPassphrase(256), ""},
		{"257 too long", def, longPassphrase(257), bot.PasswordTooLong},
		{"no composition rules", def, "all lower case words here", ""},
		// The blocklist.
		{"common, long", def, "qazwsxedcrfvtgb", bot.PasswordCommon},
		{"common, other case", def, "QazWsxEdcRfvTgb", bot.PasswordCommon},
		{"common with 2FA", twoFactor, "password123", bot.PasswordCommon},
		{"common with 2FA, caps", twoFactor, "PASSWORD123", bot.PasswordCommon},
		{"common iloveyou", twoFactor, "iloveyou", bot.PasswordCommon},
		{"8 with 2FA", twoFactor, "kq7v!mzp", ""},
		{"7 with 2FA", twoFactor, "kq7v!mz", bot.PasswordTooShort},
		// Context words: the username, the patient's names, the portal's
		// and the service's names.
		{"username", def, "hello jdoe how are you", bot.PasswordHasUsername},
		{"username any case", def, "hello JDoe how are you", bot.PasswordHasUsername},
		{"first name", def, "maría sings at dawn", bot.PasswordHasName},
		{"first name, no accent", def, "MARIA sings at dawn", bot.PasswordHasName},
		{"last name part", def, "all the garcia cousins", bot.PasswordHasName},
		{"hyphenated last name whole", def, "lopezgarcia forever!", bot.PasswordHasName},
		{"portal name", def, "my Portico account!!", bot.PasswordHasPortalName},
		{"portal name spaced", def, "the port ico of it all", bot.PasswordHasPortalName},
		{"clinic's portal name", clinic, "samplehealth rocks on", bot.PasswordHasPortalName},
		{"clinic's portal name spaced", clinic, "Sample Health 4ever!!", bot.PasswordHasPortalName},
		{"service name with a clinic's portal", clinic, "I use portico daily", bot.PasswordHasPortalName},
		// Repetitive characters (NIST SP 800-63B: "aaaaaa").
		{"word twice", def, "passwordpassword", bot.PasswordRepetitive},
		{"word twice and a digit", def, "passwordpassword1", bot.PasswordRepetitive},
		{"word twice, spaced", def, "Password Password!", bot.PasswordRepetitive},
		{"one letter", def, "aaaaaaaaaaaaaaa", bot.PasswordRepetitive},
		{"one emoji", def, strings.Repeat("🐢", 15), bot.PasswordRepetitive},
		{"short pattern", def, "abcabcabcabcabc", bot.PasswordRepetitive},
		{"phrase three times", def, "sunny day sunny day sunny day", bot.PasswordRepetitive},
		{"doubled letters are fine", def, "sweet coffee all morning", ""},
		{"a little repetition is fine", def, "haha my green kettle sings", ""},
		// Sequential characters (NIST: "1234abcd").
		{"alphabet", def, "abcdefghijklmnop", bot.PasswordSequential},
		{"digits wrapping", def, "123456789012345", bot.PasswordSequential},
		{"down", def, "zyxwvutsrqponmlk", bot.PasswordSequential},
		{"letters and digits", def, "abcdefgh12345678", bot.PasswordSequential},
		{"a short run is fine", def, "abc tulips on the pier", ""},
		// The strength estimate (zxcvbn).
		{"keyboard walk", def, "qwertyuiopasdfg", bot.PasswordWeak},
		{"common word and digits", def, "Password1234567", bot.PasswordWeak},
		{"two common names", def, "jordan23michael", bot.PasswordWeak},
		{"10 weak with 2FA", twoFactor, "Boston2017", bot.PasswordWeak},
		{"passphrase", def, "violet ferns under the bridge", ""},
		{"demo passphrase", def, "blue river lamp cloud", ""}, // patients.DemoPassword
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(tt.pw, "jdoe", "María", "López-García")
			if tt.wantMsg == "" {
				if err != nil {
					t.Errorf("Check(%q): got %v, want nil", tt.pw, err)
				}
				return
			}
			if bot.ErrorCode(err) != bot.EINVALID || bot.ErrorMessage(err) != tt.wantMsg {
				t.Errorf("Check(%q): got %v, want invalid: %s", tt.pw, err, tt.wantMsg)
			}
		})
	}
}

// longPassphrase returns n code points of unrelated words.
func longPassphrase(n int) string {
	words := strings.Fields(`violet ferns under the bridge copper kettle whistles at noon seven lanterns
		drift past a quiet harbor where gulls argue about bread while my neighbor paints tiny boats
		and sings old songs to a sleepy orange cat named biscuit who ignores every single word of
		it then naps beside warm radiators dreaming of sardines mackerel tuna and endless summer
		afternoons spent chasing moths across gardens full of lavender rosemary thyme basil`)
	s := strings.Join(words, " ")
	if len(s) < n {
		panic("longPassphrase: not enough words")
	}
	return s[:n]
}

func TestShortNamesAreNotChecked(t *testing.T) {
	// "Al Wu": parts under 3 letters would forbid too much; the whole name
	// is still refused.
	p := Policy{}.WithDefaults()
	if err := p.Check("always walk with umbrellas", "", "Al", "Wu"); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	if err := p.Check("alwu alwu alwu alwu", "", "Al", "Wu"); bot.ErrorMessage(err) != bot.PasswordHasName {
		t.Errorf("got %v, want %s", err, bot.PasswordHasName)
	}
}

func TestPolicyDefaults(t *testing.T) {
	tests := []struct {
		in, want Policy
	}{
		{Policy{}, Policy{MinLength: 15, MaxLength: 256, PortalName: "Portico"}},
		{Policy{MinLength: 8, MaxLength: 100, PortalName: "MyChart"}, Policy{MinLength: 8, MaxLength: 100, PortalName: "MyChart"}},
		{Policy{MinLength: 4, MaxLength: 20}, Policy{MinLength: 8, MaxLength: 64, PortalName: "Portico"}},
		{Policy{MinLength: 80}, Policy{MinLength: 80, MaxLength: 256, PortalName: "Portico"}},
		{Policy{MinLength: 80, MaxLength: 70}, Policy{MinLength: 80, MaxLength: 80, PortalName: "Portico"}},
	}
	for _, tt := range tests {
		if got := tt.in.WithDefaults(); got != tt.want {
			t.Errorf("%+v.WithDefaults(): got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestNoMathRand guards SECURITY.md's rule: codes, salts and IDs come from
// crypto/rand only.
func TestNoMathRand(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), `"math/rand`) {
			t.Errorf("%s imports math/rand", f)
		}
	}
}

func TestStrengthCountsContextWords(t *testing.T) {
	// "activeuserdog!!" is strong for anyone but a patient whose username
	// holds "activeuser": for them it is a known word and a dog.
	p := Policy{}.WithDefaults()
	tests := []struct {
		username string
		wantMsg  string
	}{
		{"olivia.activeuser", bot.PasswordWeak},
		{"someone.else", ""},
	}
	for _, tt := range tests {
		err := p.Check("activeuserdog!!", tt.username, "Olivia", "Stone")
		if got := bot.ErrorMessage(err); err != nil && got != tt.wantMsg || err == nil && tt.wantMsg != "" {
			t.Errorf("username %s: got %v, want %q", tt.username, err, tt.wantMsg)
		}
	}
}

func TestStrengthEstimateIsBounded(t *testing.T) {
	// zxcvbn's time grows faster than the length: only the first
	// maxEstimateRunes code points are estimated, so a long hostile
	// password costs what a 64-character one does.
	long := strings.Repeat("x1y2", 64) // 256 code points, repetitive only past the estimate's window
	start := time.Now()
	_ = strongEnough(long, nil, minStrengthScore)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("estimating 256 code points took %v, want well under 100ms", d)
	}
}

func TestPasswordPolicyConcurrently(t *testing.T) {
	// The estimate shares zxcvbn's dictionaries and compiled patterns
	// between goroutines; run it at once from many (go test -race).
	p := Policy{}.WithDefaults()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Check("violet ferns under the bridge", "jdoe", "Jo", "Doe"); err != nil {
				errs <- err
			}
			if err := p.Check("passwordpassword1", "jdoe", "Jo", "Doe"); bot.ErrorMessage(err) != bot.PasswordRepetitive {
				errs <- fmt.Errorf("got %v, want %s", err, bot.PasswordRepetitive)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

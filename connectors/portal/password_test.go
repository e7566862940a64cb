package portal

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"

	"github.com/portico-chat/portico/bot"
)

func TestHashPassword(t *testing.T) {
	h1, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword(goodPassword)
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
		if got := CheckPasswordHash(tt.phc, tt.pw); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHashPasswordNormalizesNFKC(t *testing.T) {
	// "ﬁ" (U+FB01) is "fi" under NFKC; "é" composed and decomposed agree.
	h, err := HashPassword("ﬁne café au lait please")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"fine café au lait please", "ﬁne cafe\u0301 au lait please"} {
		if !CheckPasswordHash(h, pw) {
			t.Errorf("CheckPasswordHash(%q): got false, want true (same password after NFKC)", pw)
		}
	}
}

func TestDummyHashIsValid(t *testing.T) {
	if _, err := parsePHC(dummyHash()); err != nil {
		t.Errorf("dummy hash: %v", err)
	}
	if CheckPasswordHash(dummyHash(), "") {
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
	def := Policy{}.withDefaults()
	twoFactor := Policy{MinLength: 8}.withDefaults()
	tests := []struct {
		name    string
		policy  Policy
		pw      string
		wantMsg string // "" for accepted
	}{
		{"14 code points", def, "abcdefghijklmn", bot.PasswordTooShort},
		{"15 code points", def, "abcdefghijklmno", ""},
		{"14 code points, 28 bytes", def, strings.Repeat("é", 14), bot.PasswordTooShort},
		{"15 code points, 30 bytes", def, strings.Repeat("é", 15), ""},
		// NFKC turns the ligature "ﬁ" into two letters: 14 → 15 code points.
		{"ligature counts after NFKC", def, "ﬁrst light now", ""},
		{"ligature text still short", def, "ﬁrst light no", bot.PasswordTooShort},
		// Each emoji is one code point however many bytes it takes.
		{"15 emoji", def, strings.Repeat("🐢", 15), ""},
		{"14 emoji", def, strings.Repeat("🐢", 14), bot.PasswordTooShort},
		{"64 accepted", def, strings.Repeat("a quiet river ", 5)[:64], ""},
		{"256 accepted", def, strings.Repeat("x", 256), ""},
		{"257 too long", def, strings.Repeat("x", 257), bot.PasswordTooLong},
		{"no composition rules", def, "all lower case words here", ""},
		{"common, long", def, "qazwsxedcrfvtgb", bot.PasswordCommon},
		{"common, other case", def, "QazWsxEdcRfvTgb", bot.PasswordCommon},
		{"common with 2FA", twoFactor, "password123", bot.PasswordCommon},
		{"common with 2FA, caps", twoFactor, "PASSWORD123", bot.PasswordCommon},
		{"common iloveyou", twoFactor, "iloveyou", bot.PasswordCommon},
		{"8 with 2FA", twoFactor, "kq7v!mzp", ""},
		{"7 with 2FA", twoFactor, "kq7v!mz", bot.PasswordTooShort},
		{"username", def, "hello jdoe how are you", bot.PasswordHasUsername},
		{"username any case", def, "hello JDoe how are you", bot.PasswordHasUsername},
		{"first name", def, "maría sings at dawn", bot.PasswordHasName},
		{"first name, no accent", def, "MARIA sings at dawn", bot.PasswordHasName},
		{"last name part", def, "all the garcia cousins", bot.PasswordHasName},
		{"hyphenated last name whole", def, "lopezgarcia forever!", bot.PasswordHasName},
		{"portal name", def, "my Portico account!!", bot.PasswordHasPortalName},
		{"portal name spaced", def, "the port ico of it all", bot.PasswordHasPortalName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.checkPassword(tt.pw, "jdoe", "María", "López-García")
			if tt.wantMsg == "" {
				if err != nil {
					t.Errorf("checkPassword(%q): got %v, want nil", tt.pw, err)
				}
				return
			}
			if bot.ErrorCode(err) != bot.EINVALID || bot.ErrorMessage(err) != tt.wantMsg {
				t.Errorf("checkPassword(%q): got %v, want invalid: %s", tt.pw, err, tt.wantMsg)
			}
		})
	}
}

func TestShortNamesAreNotChecked(t *testing.T) {
	// "Al Wu": parts under 3 letters would forbid too much; the whole name
	// is still refused.
	p := Policy{}.withDefaults()
	if err := p.checkPassword("always walk with umbrellas", "", "Al", "Wu"); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	if err := p.checkPassword("alwu alwu alwu alwu", "", "Al", "Wu"); bot.ErrorMessage(err) != bot.PasswordHasName {
		t.Errorf("got %v, want %s", err, bot.PasswordHasName)
	}
}

func TestPolicyDefaults(t *testing.T) {
	tests := []struct {
		in, want Policy
	}{
		{Policy{}, Policy{MinLength: 15, MaxLength: 256, PortalName: "Portico", ActivationTTL: DefaultActivationTTL}},
		{Policy{MinLength: 8, MaxLength: 100, PortalName: "MyChart"}, Policy{MinLength: 8, MaxLength: 100, PortalName: "MyChart", ActivationTTL: DefaultActivationTTL}},
		{Policy{MinLength: 4, MaxLength: 20}, Policy{MinLength: 8, MaxLength: 64, PortalName: "Portico", ActivationTTL: DefaultActivationTTL}},
		{Policy{MinLength: 80}, Policy{MinLength: 80, MaxLength: 256, PortalName: "Portico", ActivationTTL: DefaultActivationTTL}},
		{Policy{MinLength: 80, MaxLength: 70}, Policy{MinLength: 80, MaxLength: 80, PortalName: "Portico", ActivationTTL: DefaultActivationTTL}},
	}
	for _, tt := range tests {
		if got := tt.in.withDefaults(); got != tt.want {
			t.Errorf("%+v.withDefaults(): got %+v, want %+v", tt.in, got, tt.want)
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

package password

import (
	"strings"
	"unicode"

	"github.com/trustelem/zxcvbn"
)

// What NIST SP 800-63B names beside the blocklist: repetitive or
// sequential characters, context-specific words, and (rev 4) a strength
// estimate. docs/connectors.md, "Password policy", explains each rule.
const (
	// serviceName is this chat service's own name, a context word whatever
	// the portal is called.
	serviceName = "portico"
	// minStrengthScore is the zxcvbn score (0–4) a password must reach:
	// 3 means at least 10^8 guesses, "safely unguessable" against online
	// guessing and a slow hash.
	minStrengthScore = 3
	// minStrengthScoreWithSecondFactor is the score a portal that enforces
	// a second factor asks for (10^6 guesses; the password is not the only
	// key). zxcvbn rates every 8-character password below 3, so 3 would
	// silently raise that portal's minimum length.
	minStrengthScoreWithSecondFactor = 2
	// maxEstimateRunes bounds the part of a password zxcvbn estimates: its
	// time grows faster than the length (256 × "x" takes 0.3 s), and 64
	// code points that are strong make a strong password.
	maxEstimateRunes = 64
	// patternShare is the share of a password that repeated or
	// sequential runs may cover before it is refused for them.
	patternShare = 0.5
	// minSequenceRun is the shortest run of letters or digits in order
	// that counts ("abc", "987").
	minSequenceRun = 3
	// minCharRepeat is the shortest run of one character that counts
	// ("aaa"); a doubled letter ("ee" in "sweet") does not.
	minCharRepeat = 3
)

// patterns reports whether repeated or sequential runs make up at least
// patternShare of the password, spaces and case aside.
func patterns(pw string) (repetitive, sequential bool) {
	s := []rune(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, pw))
	if len(s) == 0 {
		return false, false
	}
	share := func(n int) bool { return float64(n) >= patternShare*float64(len(s)) }
	return share(repeatedRunes(s)), share(sequentialRunes(s))
}

// repeatedRunes counts the runes of s inside runs that repeat one unit:
// "aaa", "abab", "passwordpassword". Runs are taken greedily, longest
// first from each position.
func repeatedRunes(s []rune) int {
	covered := 0
	for i := 0; i < len(s); {
		best := 0
		for unit := 1; i+2*unit <= len(s); unit++ {
			k := 1
			for i+(k+1)*unit <= len(s) && equalRunes(s[i+k*unit:i+(k+1)*unit], s[i:i+unit]) {
				k++
			}
			if (unit > 1 || k >= minCharRepeat) && k >= 2 && k*unit > best {
				best = k * unit
			}
		}
		if best == 0 {
			i++
			continue
		}
		covered += best
		i += best
	}
	return covered
}

// sequentialRunes counts the runes of s inside runs of at least
// minSequenceRun letters or digits in order, up or down: "abcd", "4321",
// "7890" (digits wrap around).
func sequentialRunes(s []rune) int {
	covered := 0
	for i := 0; i < len(s)-1; {
		step := next(s[i], s[i+1])
		if step == 0 {
			i++
			continue
		}
		j := i + 1
		for j+1 < len(s) && next(s[j], s[j+1]) == step {
			j++
		}
		if n := j - i + 1; n >= minSequenceRun {
			covered += n
		}
		i = j
	}
	return covered
}

// next returns +1 when b follows a (a letter or digit), -1 when it comes
// just before, and 0 otherwise.
func next(a, b rune) int {
	if !(unicode.IsLetter(a) || unicode.IsDigit(a)) || !(unicode.IsLetter(b) || unicode.IsDigit(b)) {
		return 0
	}
	switch {
	case b == a+1 || a == '9' && b == '0':
		return 1
	case b == a-1 || a == '0' && b == '9':
		return -1
	}
	return 0
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// strongEnough reports whether zxcvbn estimates pw hard enough to guess,
// counting the patient's own words (username, names, the portal's and the
// service's names) as the first words an attacker would try. With a
// hashing worker the estimate runs there, at low priority, like a hash: it
// costs about a millisecond and 300 KB of allocations, and 200 resets
// answered at once spent a quarter of a second of the server's CPU on it
// ahead of every other patient's turn (docs/performance.md).
func strongEnough(pw string, context []string, minScore int) bool {
	r := []rune(pw)
	if len(r) > maxEstimateRunes {
		pw = string(r[:maxEstimateRunes])
	}
	if w := theWorker.Load(); w != nil {
		if score, err := w.estimate(pw, context); err == nil {
			return score >= minScore
		}
	}
	return zxcvbnScore(pw, context) >= minScore
}

// zxcvbnScore is zxcvbn's score of pw (0 to 4).
func zxcvbnScore(pw string, context []string) int {
	return zxcvbn.PasswordStrength(pw, context).Score
}

// minScore is the strength score the policy asks for.
func (p Policy) minScore() int {
	if p.MinLength < DefaultMinLength {
		return minStrengthScoreWithSecondFactor
	}
	return minStrengthScore
}

// contextWords lists the words tied to this patient and this site, and
// their parts ("olivia.active" → "olivia", "active"), for the estimate.
func contextWords(words ...string) []string {
	var out []string
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		out = append(out, w)
		for _, part := range strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if part != w && len([]rune(part)) >= minNameLen {
				out = append(out, part)
			}
		}
	}
	return out
}

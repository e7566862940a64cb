package flows

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxAgeYears is the oldest date of birth accepted.
const maxAgeYears = 130

// months maps English and Spanish month names and abbreviations, folded
// (lower case, no accents), to month numbers.
var months = map[string]time.Month{
	"january": 1, "jan": 1, "enero": 1, "ene": 1,
	"february": 2, "feb": 2, "febrero": 2,
	"march": 3, "mar": 3, "marzo": 3,
	"april": 4, "apr": 4, "abril": 4, "abr": 4,
	"may": 5, "mayo": 5,
	"june": 6, "jun": 6, "junio": 6,
	"july": 7, "jul": 7, "julio": 7,
	"august": 8, "aug": 8, "agosto": 8, "ago": 8,
	"september": 9, "sep": 9, "sept": 9, "septiembre": 9, "setiembre": 9, "set": 9,
	"october": 10, "oct": 10, "octubre": 10,
	"november": 11, "nov": 11, "noviembre": 11,
	"december": 12, "dec": 12, "diciembre": 12, "dic": 12,
}

// dateFillers are words people put between the parts of a date.
var dateFillers = map[string]bool{"de": true, "del": true, "of": true, "the": true, "el": true}

// ordinals follow a day number: 14th, 1st, 2nd, 3rd.
var ordinals = map[string]bool{"st": true, "nd": true, "rd": true, "th": true}

// normalizeDate reads a date the way people type it and returns it as
// YYYY-MM-DD: 03/14/1980, 3-14-80, 1980-03-14, 03141980, March 14 1980,
// 14 de marzo de 1980. Numeric dates are month first in English and day
// first in Spanish, unless only the other order makes a real date.
// Two-digit years are in the past. Future dates and dates more than 130
// years ago are refused.
func normalizeDate(s, locale string, today time.Time) (string, error) {
	nums, month, ok := dateTokens(s)
	if !ok {
		return "", invalid("date_format")
	}
	var y, m, d string
	var a, b string // month and day in the locale's order, when numeric
	switch {
	case month == 0 && len(nums) == 1 && (len(nums[0]) == 8 || len(nums[0]) == 6):
		n := nums[0]
		if len(n) == 8 && (strings.HasPrefix(n, "19") || strings.HasPrefix(n, "20")) && validYMD(n[:4], n[4:6], n[6:]) {
			y, m, d = n[:4], n[4:6], n[6:]
		} else {
			a, b, y = n[:2], n[2:4], n[4:]
		}
	case month == 0 && len(nums) == 3 && len(nums[0]) == 4:
		y, m, d = nums[0], nums[1], nums[2]
	case month == 0 && len(nums) == 3:
		a, b, y = nums[0], nums[1], nums[2]
	case month != 0 && len(nums) == 2:
		m = strconv.Itoa(int(month))
		if len(nums[0]) == 4 {
			y, d = nums[0], nums[1]
		} else {
			d, y = nums[0], nums[1]
		}
	default:
		return "", invalid("date_format")
	}
	if a != "" {
		m, d = a, b
		if strings.HasPrefix(strings.ToLower(locale), "es") {
			m, d = b, a
		}
		// Only the other order makes a real month: take it.
		if mi, _ := strconv.Atoi(m); mi > 12 {
			m, d = d, m
		}
	}
	if len(d) > 2 || len(m) > 2 || (len(y) != 2 && len(y) != 4) {
		return "", invalid("date_format")
	}
	year, _ := strconv.Atoi(y)
	mon, _ := strconv.Atoi(m)
	day, _ := strconv.Atoi(d)
	now := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if len(y) == 2 {
		// The most recent such date that is not in the future.
		year += 2000
		if year > now.Year() || time.Date(year, time.Month(mon), day, 0, 0, 0, 0, time.UTC).After(now) {
			year -= 100
		}
	}
	date := time.Date(year, time.Month(mon), day, 0, 0, 0, 0, time.UTC)
	if mon < 1 || mon > 12 || day < 1 || date.Day() != day || date.Month() != time.Month(mon) {
		return "", invalid("date_impossible")
	}
	switch {
	case date.After(now):
		return "", invalid("date_in_future")
	case date.Before(now.AddDate(-maxAgeYears, 0, 0)):
		return "", invalid("date_too_old")
	}
	return date.Format(time.DateOnly), nil
}

// validYMD reports whether the digits make a real month and day.
func validYMD(y, m, d string) bool {
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	return mi >= 1 && mi <= 12 && di >= 1 && t.Day() == di
}

// dateTokens splits a date into its numbers (as typed, leading zeros
// kept) and at most one month name. It fails on anything else.
func dateTokens(s string) (nums []string, month time.Month, ok bool) {
	var folded strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			folded.WriteRune(r)
		}
	}
	var tokens []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			tokens = append(tokens, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range folded.String() {
		isDigit := r >= '0' && r <= '9'
		isLetter := r >= 'a' && r <= 'z'
		switch {
		case isDigit || isLetter:
			if len(cur) > 0 && (cur[0] >= '0' && cur[0] <= '9') != isDigit {
				flush()
			}
			cur = append(cur, r)
		case r == ' ' || r == '/' || r == '-' || r == '.' || r == ',' || r == '\t':
			flush()
		default:
			return nil, 0, false
		}
		if len(tokens) > 8 {
			return nil, 0, false
		}
	}
	flush()
	prevNum := false
	for _, t := range tokens {
		switch {
		case t[0] >= '0' && t[0] <= '9':
			if len(t) > 8 {
				return nil, 0, false
			}
			nums = append(nums, t)
			prevNum = true
			continue
		case prevNum && ordinals[t], dateFillers[t]:
		default:
			mo, known := months[t]
			if !known || month != 0 {
				return nil, 0, false
			}
			month = mo
		}
		prevNum = false
	}
	return nums, month, len(nums) > 0
}

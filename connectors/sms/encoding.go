package sms

import "unicode/utf8"

// Encoding is how a text travels over SMS: GSM-7 when every character is
// in the GSM 03.38 alphabet, UCS-2 (UTF-16) otherwise.
type Encoding string

const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Segment sizes (3GPP TS 23.038 and 23.040). A message that fits in one
// segment has the whole 140 bytes; a longer one is sent as concatenated
// segments, each losing 6 bytes to the header that puts them back in
// order.
const (
	gsmSingle = 160 // septets in a lone segment
	gsmMulti  = 153 // septets in each segment of a long message
	ucsSingle = 70  // UTF-16 code units in a lone segment
	ucsMulti  = 67  // UTF-16 code units in each segment of a long message
)

// gsmBasic is the GSM 03.38 default alphabet; each costs one septet. The
// escape code 0x1B is left out: it only introduces the extension table.
var gsmBasic = runeSet("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")

// gsmExtension is the GSM 03.38 extension table; each costs two septets
// (the escape code, then the character).
var gsmExtension = runeSet("\f^{}\\[~]|€")

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool, utf8.RuneCountInString(s))
	for _, r := range s {
		m[r] = true
	}
	return m
}

// asciiSeptets is the GSM-7 cost of each ASCII character, 0 for those
// GSM-7 lacks (most control characters, and the backquote): a table, since
// Split measures texts many times over.
var asciiSeptets = func() (t [utf8.RuneSelf]int8) {
	for r := range rune(utf8.RuneSelf) {
		switch {
		case gsmExtension[r]:
			t[r] = 2
		case gsmBasic[r]:
			t[r] = 1
		}
	}
	return t
}()

// septets is a character's GSM-7 cost, 0 if GSM-7 lacks it.
func septets(r rune) int {
	if r < utf8.RuneSelf {
		return int(asciiSeptets[r])
	}
	switch {
	case gsmBasic[r]:
		return 1
	case gsmExtension[r]:
		return 2
	}
	return 0
}

// IsGSM7 reports whether every character of s can be sent in GSM-7.
func IsGSM7(s string) bool {
	for _, r := range s {
		if septets(r) == 0 {
			return false
		}
	}
	return true
}

// Size is what a text costs: its encoding, its length in that encoding's
// units (septets for GSM-7, UTF-16 code units for UCS-2) and the number of
// segments the carrier bills.
type Size struct {
	Encoding Encoding
	Units    int
	Segments int
}

// Measure returns the size of s sent as one message. The empty text is
// zero segments.
func Measure(s string) Size {
	enc, single, multi, cost := GSM7, gsmSingle, gsmMulti, gsmCost
	if !IsGSM7(s) {
		enc, single, multi, cost = UCS2, ucsSingle, ucsMulti, ucsCost
	}
	units := 0
	for _, r := range s {
		units += cost(r)
	}
	size := Size{Encoding: enc, Units: units}
	switch {
	case units == 0:
	case units <= single:
		size.Segments = 1
	default:
		size.Segments = pack(s, multi, cost)
	}
	return size
}

// pack counts the segments of a long message. A character is never split
// between two segments: an escaped GSM character or a UTF-16 surrogate
// pair that would straddle the boundary starts the next segment, which is
// why a long text can need one segment more than units/multi suggests.
func pack(s string, multi int, cost func(rune) int) int {
	segments, used := 1, 0
	for _, r := range s {
		c := cost(r)
		if used+c > multi {
			segments++
			used = 0
		}
		used += c
	}
	return segments
}

func gsmCost(r rune) int { return septets(r) }

func ucsCost(r rune) int {
	if r > 0xFFFF {
		return 2 // a surrogate pair
	}
	return 1
}

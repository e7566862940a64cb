package flows

import "unicode/utf8"

// smallWord is the longest word damerauLevenshtein compares without
// allocating.
const smallWord = 32

// appendRunes appends s's runes to buf (growing it only past its capacity).
func appendRunes(buf []rune, s string) []rune {
	for _, r := range s {
		buf = append(buf, r)
	}
	return buf
}

// damerauLevenshtein returns the optimal string alignment distance between
// a and b (insertions, deletions, substitutions and transpositions of two
// adjacent runes), or limit+1 as soon as it is sure to exceed limit.
//
// Words are short: up to smallWord runes, the runes and the rows live on
// the stack (trigger matching compares every input word with every
// trigger word, several hundred pairs a turn; BenchmarkMatch).
func damerauLevenshtein(a, b string, limit int) int {
	if d := utf8.RuneCountInString(a) - utf8.RuneCountInString(b); d > limit || -d > limit {
		return limit + 1
	}
	var bufA, bufB [smallWord]rune
	ra, rb := appendRunes(bufA[:0], a), appendRunes(bufB[:0], b)
	// Three rolling rows: two back (for transpositions), previous, current.
	var rows [3][smallWord + 1]int
	prev2, prev, cur := rows[0][:], rows[1][:], rows[2][:]
	if len(rb) > smallWord {
		prev2, prev, cur = make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)
	}
	prev2, prev, cur = prev2[:len(rb)+1], prev[:len(rb)+1], cur[:len(rb)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(rb)] > limit {
		return limit + 1
	}
	return prev[len(rb)]
}

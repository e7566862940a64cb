package flows

import (
	"fmt"
	"sort"
	"strings"
)

// maxProblems bounds the report for one file, so a pathological input
// cannot produce an unbounded error.
const maxProblems = 200

// Problem is one thing wrong with a flow file, at its place.
type Problem struct {
	File string
	Pos
	Msg string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
}

// Problems is every problem found in one or more flow files, in file and
// position order. It is the error Parse and ParseSet return.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders problems by file, line, column and message, so reports are
// stable whatever order the checks ran in.
func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Msg < b.Msg
	})
}

// reporter collects problems for one file.
type reporter struct {
	file     string
	problems Problems
}

func (r *reporter) add(pos Pos, format string, args ...any) {
	switch {
	case len(r.problems) < maxProblems:
		r.problems = append(r.problems, Problem{File: r.file, Pos: pos, Msg: fmt.Sprintf(format, args...)})
	case len(r.problems) == maxProblems:
		r.problems = append(r.problems, Problem{File: r.file, Pos: pos, Msg: "too many problems; stopping here"})
	}
}

// err returns the collected problems as an error, or nil if there are none.
func (r *reporter) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	r.problems.sort()
	return r.problems
}

// minSuggestLen is the shortest word worth a suggestion; "b" is one
// typo away from every one-letter name.
const minSuggestLen = 3

// suggest returns ` (did you mean "x"?)` when word is a close misspelling
// of one of the candidates, and "" otherwise.
func suggest(word string, candidates []string) string {
	best, ok := Closest(word, candidates)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// Closest returns the candidate that word is most likely a misspelling of:
// the nearest by Damerau–Levenshtein distance, at most one edit away from
// a candidate shorter than five characters and two from a longer one. It
// is the one "did you mean" rule of the flow validator and of the
// command line (configuration keys).
func Closest(word string, candidates []string) (string, bool) {
	if len(word) < minSuggestLen {
		return "", false
	}
	best, bestDist := "", 3
	for _, c := range candidates {
		limit := 1
		if len(c) >= 5 {
			limit = 2
		}
		if d := damerauLevenshtein(strings.ToLower(word), c, limit); d <= limit && d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

// quoted lists names for a message: "a", "b" and "c".
func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return "nothing"
	case 1:
		return q[0]
	default:
		return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
	}
}

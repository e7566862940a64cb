package flows

import "testing"

// BenchmarkMatch matches what patients type against every built-in flow's
// trigger phrases, as the engine does for a say outside a question's
// expected answers: an answer that matches nothing (a date of birth), a
// typo'd request and a sentence.
func BenchmarkMatch(b *testing.B) {
	s := builtinSetB(b)
	texts := []string{"05/17/1985", "I forgot my pasword", "can I talk to a real person please"}
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range texts {
			s.Match(t, "en")
		}
	}
}

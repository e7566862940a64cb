package flows

import (
	"fmt"
	"strings"
)

// The verification property: no path from a flow's start reaches a state
// whose action changes the account without crossing a verifying edge. An
// edge verifies when it is the Verifies outcome of a verifying action, or
// an outcome of a call that the callee can only return after crossing a
// verifying edge on every path. Each flow is checked from its own start,
// as if nothing were verified: a flow entered by goto proves its own way.

// verifier answers, with memory, which call outcomes prove identity.
type verifier struct {
	s      *Set
	proven map[string]map[string]bool // flow → return value → proven
	busy   map[string]bool            // flows being worked out (cycle guard)
}

// verifyProperty checks every flow of the set and reports each violation
// at the offending state, with a path that shows it.
func (s *Set) verifyProperty() Problems {
	v := &verifier{s: s, proven: map[string]map[string]bool{}, busy: map[string]bool{}}
	var problems Problems
	for _, name := range s.Names() {
		f := s.flows[name]
		order, parent := v.unverifiedReach(f)
		for _, sn := range order {
			st := f.States[sn]
			if st.Kind != KindAction || !s.cat[st.Action].ChangesAccount {
				continue
			}
			problems = append(problems, Problem{File: f.File, Pos: st.Pos, Msg: fmt.Sprintf(
				"state %q runs %q, which changes the account, but can be reached without verification: %s",
				sn, st.Action, strings.Join(pathTo(sn, parent), " → "))})
		}
	}
	return problems
}

// unverifiedReach returns the states of f reachable from its start
// without crossing a verifying edge, in breadth-first order, and each
// one's predecessor on a shortest such path.
func (v *verifier) unverifiedReach(f *Flow) ([]string, map[string]string) {
	parent := map[string]string{f.Start: ""}
	order := []string{f.Start}
	for i := 0; i < len(order); i++ {
		st := f.States[order[i]]
		for _, o := range sortedKeys(st.On) {
			next := st.On[o]
			if _, seen := parent[next]; seen || v.verifies(st, o) {
				continue
			}
			parent[next] = st.Name
			order = append(order, next)
		}
	}
	return order, parent
}

// verifies reports whether taking outcome in st proves identity.
func (v *verifier) verifies(st *State, outcome string) bool {
	switch st.Kind {
	case KindAction:
		spec := v.s.cat[st.Action]
		return spec.Verifies != "" && outcome == spec.Verifies
	case KindCall:
		return v.provenReturn(st.Call, outcome)
	default:
		return false
	}
}

// provenReturn reports whether flow can return outcome only after
// crossing a verifying edge: no unverified path reaches a return of it.
func (v *verifier) provenReturn(flow, outcome string) bool {
	if m, ok := v.proven[flow]; ok {
		return m[outcome]
	}
	f, ok := v.s.flows[flow]
	if !ok || v.busy[flow] {
		return false // unknown or cyclic: prove nothing
	}
	v.busy[flow] = true
	order, _ := v.unverifiedReach(f)
	delete(v.busy, flow)
	reachable := map[string]bool{}
	for _, sn := range order {
		if st := f.States[sn]; st.Kind == KindReturn {
			reachable[st.Return] = true
		}
	}
	m := map[string]bool{}
	for _, r := range f.Returns() {
		m[r] = !reachable[r]
	}
	v.proven[flow] = m
	return m[outcome]
}

// pathTo spells the path from the start to state.
func pathTo(state string, parent map[string]string) []string {
	var path []string
	for s := state; s != ""; s = parent[s] {
		path = append([]string{s}, path...)
	}
	return path
}

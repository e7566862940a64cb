package flows

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Set is a validated collection of flows that may call and go to each
// other. It is not safe for concurrent Add; build it, then share it.
type Set struct {
	cat      Catalog
	flows    map[string]*Flow
	triggers []trigger
}

// ParseSet parses every *.yaml file at the root of fsys and validates the
// flows together: call and goto targets exist, each call branches on
// exactly its callee's return values, calls do not form a cycle, and no
// path reaches an account-changing action without verification. It
// reports every problem of every file as Problems.
func ParseSet(fsys fs.FS, cat Catalog) (*Set, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list flow files: %w", err)
	}
	sort.Strings(names)
	var problems Problems
	flows := map[string]*Flow{}
	for _, name := range names {
		src, err := readFlowFile(fsys, name)
		if err != nil {
			return nil, err
		}
		f, err := Parse(name, src, cat)
		if err != nil {
			problems = append(problems, asProblems(err, name)...)
			continue
		}
		if prev, dup := flows[f.Name]; dup {
			problems = append(problems, Problem{File: name, Pos: f.namePos,
				Msg: fmt.Sprintf("flow %q is already defined in %s", f.Name, prev.File)})
			continue
		}
		flows[f.Name] = f
	}
	if len(problems) > 0 {
		// Cross-flow checks on a partial set would report callees that
		// exist but failed to parse; report what is wrong first.
		problems.sort()
		return nil, problems
	}
	s := &Set{cat: cat, flows: flows}
	if err := s.check(); err != nil {
		return nil, err
	}
	s.indexTriggers()
	return s, nil
}

// readFlowFile reads one file, refusing one too large to be a flow.
func readFlowFile(fsys fs.FS, name string) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read flow %s: %w", name, err)
	}
	if info.Size() > MaxSourceBytes {
		return nil, Problems{{File: name, Pos: Pos{1, 1},
			Msg: fmt.Sprintf("the file is %d bytes; flow files are at most %d", info.Size(), MaxSourceBytes)}}
	}
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read flow %s: %w", name, err)
	}
	return src, nil
}

func asProblems(err error, file string) Problems {
	if ps, ok := err.(Problems); ok {
		return ps
	}
	return Problems{{File: file, Pos: Pos{1, 1}, Msg: err.Error()}}
}

// Get returns the flow called name.
func (s *Set) Get(name string) (*Flow, bool) {
	f, ok := s.flows[name]
	return f, ok
}

// Names returns the names of the set's flows, sorted.
func (s *Set) Names() []string {
	return sortedKeys(s.flows)
}

// Add puts f in the set, replacing any flow of the same name (a new
// version), and validates the set again. If the set would be invalid, it
// returns the problems and leaves the set as it was. f must come from
// Parse with the set's catalog.
func (s *Set) Add(f *Flow) error {
	if f == nil || f.Name == "" {
		return fmt.Errorf("add flow: no flow")
	}
	next := &Set{cat: s.cat, flows: make(map[string]*Flow, len(s.flows)+1)}
	for name, g := range s.flows {
		next.flows[name] = g
	}
	next.flows[f.Name] = f
	if err := next.check(); err != nil {
		return err
	}
	s.flows = next.flows
	s.indexTriggers()
	return nil
}

// check makes the cross-flow checks, then the verification property.
func (s *Set) check() error {
	var problems Problems
	add := func(f *Flow, pos Pos, format string, args ...any) {
		problems = append(problems, Problem{File: f.File, Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	for _, name := range s.Names() {
		f := s.flows[name]
		for _, sn := range f.Order {
			st := f.States[sn]
			src := f.source(sn)
			switch st.Kind {
			case KindGoto:
				if _, ok := s.flows[st.Goto]; !ok {
					add(f, src.kindPos, "unknown flow %q%s", st.Goto, suggest(st.Goto, s.Names()))
				}
			case KindCall:
				s.checkCall(f, st, src, add)
			}
		}
	}
	for _, cycle := range s.callCycles() {
		add(cycle.flow, cycle.pos, "call cycle: %s", strings.Join(cycle.path, " → "))
	}
	if len(problems) == 0 {
		problems = s.verifyProperty()
	}
	if len(problems) == 0 {
		return nil
	}
	problems.sort()
	return problems
}

func (s *Set) checkCall(f *Flow, st *State, src *stateSource, add func(*Flow, Pos, string, ...any)) {
	callee, ok := s.flows[st.Call]
	if !ok {
		add(f, src.kindPos, "unknown flow %q%s", st.Call, suggest(st.Call, s.Names()))
		return
	}
	returns := callee.Returns()
	if len(returns) == 0 {
		add(f, src.kindPos, "flow %q never returns, so it cannot be called; use goto", st.Call)
		return
	}
	for _, r := range returns {
		if _, ok := st.On[r]; !ok {
			add(f, src.key, "state %q has no branch for outcome %q of flow %q", st.Name, r, st.Call)
		}
	}
	for _, o := range sortedKeys(st.On) {
		if !contains(returns, o) {
			add(f, src.on[o], "flow %q never returns %q%s; it returns %s", st.Call, o, suggest(o, returns), quoted(returns))
		}
	}
}

// cycle is a chain of calls that comes back to its first flow.
type cycle struct {
	flow *Flow // the flow whose call closes the cycle
	pos  Pos
	path []string
}

// callCycles finds call cycles (a flow calling itself, directly or not),
// each reported once, at the call that closes it.
func (s *Set) callCycles() []cycle {
	const (
		unseen = iota
		onPath
		done
	)
	mark := map[string]int{}
	var found []cycle
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		mark[name] = onPath
		stack = append(stack, name)
		f := s.flows[name]
		for _, sn := range f.Order {
			st := f.States[sn]
			if st.Kind != KindCall || s.flows[st.Call] == nil {
				continue
			}
			switch mark[st.Call] {
			case onPath:
				i := len(stack) - 1
				for stack[i] != st.Call {
					i--
				}
				path := append(append([]string{}, stack[i:]...), st.Call)
				found = append(found, cycle{flow: f, pos: f.source(sn).kindPos, path: path})
			case unseen:
				visit(st.Call)
			}
		}
		stack = stack[:len(stack)-1]
		mark[name] = done
	}
	for _, name := range s.Names() {
		if mark[name] == unseen {
			visit(name)
		}
	}
	return found
}

// source returns where a state's parts are, or an empty record for a flow
// not made by Parse.
func (f *Flow) source(state string) *stateSource {
	if src, ok := f.src[state]; ok {
		return src
	}
	pos := Pos{}
	if st, ok := f.States[state]; ok {
		pos = st.Pos
	}
	return &stateSource{key: pos, kindPos: pos}
}

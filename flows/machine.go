package flows

import (
	"context"
	"sort"

	"github.com/looplab/fsm"
)

// eventDesc is one compiled transition: outcome Name taken in state Src
// leads to state Dst.
type eventDesc struct {
	Name, Src, Dst string
}

// compile turns the flow's branches into transitions, once, at Parse.
// They are ordered by state (file order) then outcome, so machines built
// from the same flow are identical.
func (f *Flow) compile() {
	f.events = f.events[:0]
	for _, name := range f.Order {
		st := f.States[name]
		outcomes := make([]string, 0, len(st.On))
		for o := range st.On {
			outcomes = append(outcomes, o)
		}
		sort.Strings(outcomes)
		for _, o := range outcomes {
			f.events = append(f.events, eventDesc{Name: o, Src: name, Dst: st.On[o]})
		}
	}
}

// Machine returns a new looplab/fsm machine for the flow, standing in
// state current. Its states are the flow's states and its events are
// outcome names: firing outcome "ok" in state "ask_password" moves it to
// that state's "ok" branch. The runtime uses Fire, which reuses machines.
//
// Notes for the runtime:
//   - A branch back to the same state (e.g. an action's "wrong" going back
//     to the question) makes Event return fsm.NoTransitionError, which is
//     not a failure: the machine stays where it is and enter_ callbacks do
//     not run, so "ask again" must be handled explicitly.
//   - Pass context.WithoutCancel(ctx) to Event (looplab/fsm issue #115).
//   - A machine cannot be serialised: persist Current() and rebuild it with
//     Machine(saved).
func (f *Flow) Machine(current string) *fsm.FSM {
	events := make(fsm.Events, len(f.events))
	for i, e := range f.events {
		events[i] = fsm.EventDesc{Name: e.Name, Src: []string{e.Src}, Dst: e.Dst}
	}
	return fsm.NewFSM(current, events, fsm.Callbacks{})
}

// Fire takes outcome in state on the flow's compiled machine and returns
// the state it leads to, with looplab/fsm's error: NoTransitionError for
// a branch back to state itself (state is returned), InvalidEventError
// for an outcome state has no branch for. Machines are built once per
// flow (a Flow is one version) and reused: each call borrows one from the
// flow's pool and sets it to state, so that concurrent conversations never
// share one and a turn of many steps builds none. They carry no callbacks,
// so a machine leaves every call as clean as it came.
func (f *Flow) Fire(ctx context.Context, state, outcome string) (string, error) {
	m, _ := f.machines.Get().(*fsm.FSM)
	if m == nil {
		m = f.Machine(state)
	} else {
		m.SetState(state)
	}
	err := m.Event(ctx, outcome)
	next := m.Current()
	f.machines.Put(m)
	return next, err
}

// Next returns the state that outcome leads to from state, and false when
// state has no such branch (or no such state exists). It is the same
// answer the machine gives, without building one.
func (f *Flow) Next(state, outcome string) (string, bool) {
	st, ok := f.States[state]
	if !ok {
		return "", false
	}
	next, ok := st.On[outcome]
	return next, ok
}

// Outcomes returns the outcomes state branches on, sorted.
func (f *Flow) Outcomes(state string) []string {
	st, ok := f.States[state]
	if !ok {
		return nil
	}
	return sortedKeys(st.On)
}

// Returns returns the outcomes the flow can return to a caller (the values
// of its return states), sorted and without repeats.
func (f *Flow) Returns() []string {
	seen := map[string]bool{}
	for _, st := range f.States {
		if st.Kind == KindReturn {
			seen[st.Return] = true
		}
	}
	return sortedKeys(seen)
}

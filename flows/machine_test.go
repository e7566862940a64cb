package flows

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/looplab/fsm"
)

func TestMachineTransitions(t *testing.T) {
	f, _ := builtinSet(t).Get("reset_password")
	cases := []struct {
		from, outcome, want string
		err                 bool
	}{
		{"verify", "verified", "status", false},
		{"status", "locked", "ask_password", false},
		{"verify", "failed", "cannot_continue", false},
		{"ask_password", "ok", "set_password", false},
		{"ask_password", "exhausted", "too_many_tries", false},
		{"set_password", "rejected", "rejected", false},
		{"rejected", "ok", "set_password", false},
		{"set_password", "ok", "done", false},
		{"ask_password", "verified", "ask_password", true}, // not an outcome of this state
		{"done", "ok", "done", true},                       // end states have no way on
	}
	for _, c := range cases {
		m := f.Machine(c.from)
		err := m.Event(context.Background(), c.outcome)
		if got := m.Current(); got != c.want || (err != nil) != c.err {
			t.Errorf("%s --%s-->: got %s (err %v), want %s (error %v)", c.from, c.outcome, got, err, c.want, c.err)
		}
		next, ok := f.Next(c.from, c.outcome)
		if ok == c.err || ok && next != c.want {
			t.Errorf("Next(%s, %s) = %q, %v; want %q, %v", c.from, c.outcome, next, ok, c.want, !c.err)
		}
	}
	if _, ok := f.Next("nowhere", "ok"); ok {
		t.Errorf("Next(nowhere, ok) found a state")
	}
}

func TestMachineSelfTransition(t *testing.T) {
	f, err := Parse("loop.yaml", []byte("name: loop\nslots:\n  d: {type: date}\nstart: a\nstates:\n  a:\n    ask: d\n    on: {ok: a, exhausted: b}\n  b: {end: resolved}\n"), testCat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	m := f.Machine("a")
	err = m.Event(context.Background(), OutcomeOK)
	var noTransition fsm.NoTransitionError
	if !errors.As(err, &noTransition) || m.Current() != "a" {
		t.Fatalf("a --ok--> a: got %s, err %v; want a, fsm.NoTransitionError", m.Current(), err)
	}
	if next, ok := f.Next("a", OutcomeOK); !ok || next != "a" {
		t.Fatalf("Next(a, ok) = %q, %v; want a, true", next, ok)
	}
}

// TestFireReusesMachines: Fire answers as a fresh machine does, from any
// state, however many times and from however many goroutines the flow's
// machines are reused.
func TestFireReusesMachines(t *testing.T) {
	f, _ := builtinSet(t).Get("forgot_username")
	var entered []string
	state := "verify"
	for _, o := range []string{"verified", "sent"} {
		next, err := f.Fire(context.Background(), state, o)
		if err != nil {
			t.Fatalf("Fire(%s, %s): %v", state, o, err)
		}
		entered = append(entered, next)
		state = next
	}
	if got := len(entered); got != 2 || entered[0] != "send" || entered[1] != "done" {
		t.Fatalf("entered %v, want [send done]", entered)
	}
	g, _ := builtinSet(t).Get("reset_password")
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for i := range 20 {
		wg.Go(func() {
			for range 200 {
				from, outcome, want := "verify", "verified", "status"
				if i%2 == 1 {
					from, outcome, want = "set_password", "rejected", "rejected"
				}
				if got, err := g.Fire(context.Background(), from, outcome); err != nil || got != want {
					errs <- fmt.Sprintf("Fire(%s, %s) = %s, %v; want %s", from, outcome, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var same fsm.NoTransitionError
	if got, err := g.Fire(context.Background(), "ask_password", "verified"); err == nil || got != "ask_password" {
		t.Errorf("an outcome the state has not: got %s, %v; want ask_password and an error", got, err)
	} else if errors.As(err, &same) {
		t.Errorf("an outcome the state has not: got NoTransitionError, want InvalidEventError")
	}
	if got, want := f.Outcomes("verify"), []string{"failed", "locked", "verified"}; len(got) != 3 || got[0] != want[0] || got[2] != want[2] {
		t.Fatalf("Outcomes(verify) = %v, want %v", got, want)
	}
}

// frame is a flow being run by the event-order fuzzer.
type frame struct {
	flow *Flow
	m    *fsm.FSM
}

// TestEventOrderNeverSkipsVerification drives the compiled machines of the
// built-ins with random outcomes, running sub-flows on a stack as the
// runtime does, and checks that no account-changing state is entered
// unless a verifying outcome was taken earlier in the same run.
func TestEventOrderNeverSkipsVerification(t *testing.T) {
	s := builtinSet(t)
	cat := testCatalog()
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	const runs, maxSteps = 3000, 200
	changes := 0
	for run := 0; run < runs; run++ {
		start := s.Names()[rng.IntN(len(s.Names()))]
		f, _ := s.Get(start)
		stack := []frame{{f, f.Machine(f.Start)}}
		verified := false
		var trail []string
		enter := func() bool { // enters the current state; false when the run ends
			top := &stack[len(stack)-1]
			for {
				st := top.flow.States[top.m.Current()]
				trail = append(trail, top.flow.Name+"."+st.Name)
				if st.Kind == KindAction && cat[st.Action].ChangesAccount {
					changes++
					if !verified {
						t.Fatalf("run %d entered %s without verification: %v", run, st.Name, trail)
					}
				}
				switch st.Kind {
				case KindCall:
					callee, _ := s.Get(st.Call)
					stack = append(stack, frame{callee, callee.Machine(callee.Start)})
					top = &stack[len(stack)-1]
				case KindGoto:
					target, _ := s.Get(st.Goto)
					stack = []frame{{target, target.Machine(target.Start)}}
					top = &stack[0]
				case KindReturn:
					stack = stack[:len(stack)-1]
					if len(stack) == 0 {
						return false // a sub-flow run on its own has ended
					}
					top = &stack[len(stack)-1]
					fire(t, ctx, top, st.Return)
				case KindEnd, KindHandoff:
					return false
				default:
					return true
				}
			}
		}
		if !enter() {
			continue
		}
		for step := 0; step < maxSteps; step++ {
			top := &stack[len(stack)-1]
			st := top.flow.States[top.m.Current()]
			outcomes := top.flow.Outcomes(st.Name)
			o := outcomes[rng.IntN(len(outcomes))]
			if st.Kind == KindAction && cat[st.Action].Verifies == o {
				verified = true
			}
			fire(t, ctx, top, o)
			if !enter() {
				break
			}
		}
	}
	if changes == 0 {
		t.Fatalf("no run reached an account-changing state; the fuzzer explores nothing")
	}
}

// fire takes outcome o in the frame's machine; a branch back to the same
// state is not an error.
func fire(t *testing.T, ctx context.Context, fr *frame, o string) {
	t.Helper()
	var noTransition fsm.NoTransitionError
	if err := fr.m.Event(ctx, o); err != nil && !errors.As(err, &noTransition) {
		t.Fatalf("%s: event %s in %s: %v", fr.flow.Name, o, fr.m.Current(), err)
	}
}

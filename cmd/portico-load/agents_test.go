package main

import (
	"testing"
	"time"
)

func TestAgentFramesStayUnderTheSocketBudget(t *testing.T) {
	tests := []struct {
		name     string
		patients int
		o        agentOptions
		want     int
	}{
		{"the standard set: 100 patients, 20 agents, 3 rounds", 100, agentOptions{Count: 20, Rounds: 3}, 25},
		{"uneven share rounds up", 101, agentOptions{Count: 20, Rounds: 3}, 30},
		{"the demo agent alone", 10, agentOptions{Count: 0, Rounds: 1}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := agentFrames(tt.patients, tt.o); got != tt.want {
				t.Errorf("got %d frames per agent, want %d", got, tt.want)
			}
		})
	}
	if got := agentFrames(100, agentOptions{Count: 20, Rounds: 3}); got > agentFrameBudget {
		t.Errorf("the standard set needs %d frames per agent, over the budget of %d", got, agentFrameBudget)
	}
}

func TestAgentEmails(t *testing.T) {
	o := agentOptions{Count: 2, EmailFormat: benchAgentEmail}
	if got, want := o.email(2), "bench-agent-2@example.org"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := (agentOptions{}).email(1); got != demoAgentEmail {
		t.Errorf("got %q with no bench agents, want the demo agent %q", got, demoAgentEmail)
	}
}

// The hub pairs each send with its arrival, once: a second arrival of the
// same message, or one nobody sent, is an error rather than a sample.
func TestHandoffHubPairsSendsWithArrivals(t *testing.T) {
	h := newHandoffHub()
	h.stampAgent("c1")
	h.agentSent["c1"] = time.Now().Add(-5 * time.Millisecond)
	if err := h.agentArrived("c1"); err != nil {
		t.Fatal(err)
	}
	if err := h.agentArrived("c1"); err == nil {
		t.Error("got no error for an agent message arriving twice")
	}
	if err := h.agentArrived("c2"); err == nil {
		t.Error("got no error for an agent message nobody sent")
	}
	s := h.agentLat.summary()
	if s.Count != 1 || s.P50 < 5 {
		t.Errorf("got %d samples, p50 %.2f ms, want 1 of at least 5 ms", s.Count, s.P50)
	}
	h.patientArrived("c3") // not stamped: ignored
	h.stampPatient("c1")
	h.patientArrived("c1")
	if got := h.patientLat.summary().Count; got != 1 {
		t.Errorf("got %d patient→agent samples, want 1", got)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// agentSide is how the handoff scenario would claim and answer queued
// patients as agents over /ws/agent (PROTOCOL.md, "Agent endpoint"). The
// agent console is being built; until a driver that can sign an agent in
// exists, the scenario measures the patient side only and reports the
// agent side as not available, never as a made-up number.
type agentSide interface {
	// available says whether agents can be simulated, and why not.
	available(ctx context.Context) (bool, string)
	// claim takes a queued conversation and says text in it; it returns
	// when the patient's socket has the agent's message.
	claimAndSay(ctx context.Context, conversation, text string) error
}

// pendingAgents probes /ws/agent: a 404 means the endpoint does not exist
// in this build; anything else means it exists but no agent driver is
// written yet.
type pendingAgents struct{ e *env }

func (a pendingAgents) available(ctx context.Context) (bool, string) {
	u := *a.e.base
	u.Path = "/ws/agent"
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := a.e.http.Do(req)
	if err != nil {
		return false, "not available: " + err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return false, "not available: /ws/agent answers 404 (the agent endpoint is not in this build); pending"
	}
	return false, fmt.Sprintf("not available: /ws/agent answers %d, but the load generator has no agent sign-in driver yet; pending", resp.StatusCode)
}

func (pendingAgents) claimAndSay(context.Context, string, string) error {
	return fmt.Errorf("agent side not implemented")
}

// HandoffResult is the handoff scenario: patients ask for a person.
type HandoffResult struct {
	Patients      int      `json:"patients"`
	Queued        int      `json:"queued"`
	Failures      int      `json:"failures"`
	EscalateTurn  Summary  `json:"escalate_turn_latency"` // say "agent" → first bot message
	AgentSide     string   `json:"agent_side"`
	AgentToPatien *Summary `json:"agent_to_patient_latency,omitempty"`
}

// handoffRun has n patients open the greeting and ask for a person, and
// measures that turn; agent→patient latency needs the agent side.
func handoffRun(ctx context.Context, out io.Writer, e *env, n int, agents agentSide) HandoffResult {
	r := HandoffResult{Patients: n}
	rec := &recorder{}
	var mu sync.Mutex
	var sims []*sim
	var wg sync.WaitGroup
	sem := make(chan struct{}, dialParallelism)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s, _, err := e.open(ctx, "")
			if err != nil {
				rec.fail()
				return
			}
			lat, err := s.say(ctx, "", "agent")
			if err != nil || s.ended != "queued" {
				rec.fail()
				s.close()
				return
			}
			rec.add(lat)
			mu.Lock()
			sims = append(sims, s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.EscalateTurn = rec.summary()
	r.Queued, r.Failures = len(sims), r.EscalateTurn.Errors
	ok, why := agents.available(ctx)
	r.AgentSide = why
	if ok {
		lat := &recorder{}
		for _, s := range sims {
			start := time.Now()
			if err := agents.claimAndSay(ctx, s.conv, "Hello, this is the support team."); err != nil {
				lat.fail()
				continue
			}
			lat.add(time.Since(start))
		}
		sum := lat.summary()
		r.AgentToPatien = &sum
	}
	fmt.Fprintf(out, "  handoff: %d queued; agent side: %s\n", r.Queued, why)
	for _, s := range sims {
		s.close()
	}
	return r
}

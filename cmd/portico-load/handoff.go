package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// agentOptions are the handoff scenario's simulated agents. bench/run.sh
// creates the accounts (`portico users add --role agent --capacity C
// --password-stdin`) before it starts the server; with Count 0 the demo
// agent is used alone.
type agentOptions struct {
	Count       int    // agents signed in
	EmailFormat string // fmt pattern of agent i's email, i from 1
	Password    string // every bench agent's password
	Rounds      int    // patient messages the agent answers per chat
}

// email is agent i's address (from 1), or the demo agent's.
func (o agentOptions) email(i int) string {
	if o.Count == 0 {
		return demoAgentEmail
	}
	return fmt.Sprintf(o.EmailFormat, i)
}

// HandoffResult is the handoff scenario: patients ask for a person, and
// simulated agents take the chats (auto-assignment) and answer them.
type HandoffResult struct {
	Patients     int     `json:"patients"`
	Queued       int     `json:"queued"`
	Failures     int     `json:"failures"`
	EscalateTurn Summary `json:"escalate_turn_latency"` // say "agent" → first bot message
	AgentSide    string  `json:"agent_side"`
	Agents       int     `json:"agents,omitempty"`
	Rounds       int     `json:"rounds,omitempty"` // patient messages answered per chat
	Chats        int     `json:"chats_completed,omitempty"`
	// TimeToClaim runs from the patient's queued status to its agent
	// status (the engine assigning an available agent).
	TimeToClaim    *Summary `json:"time_to_claim,omitempty"`
	AgentToPatient *Summary `json:"agent_to_patient_latency,omitempty"` // agent say sent → patient has the msg
	PatientToAgent *Summary `json:"patient_to_agent_latency,omitempty"` // patient say sent → agent has the msg
	LastError      string   `json:"last_error,omitempty"`
}

// handoffRun signs the agents in, then has n patients open the greeting and
// ask for a person. Each patient is assigned an agent, gets its greeting,
// asks Rounds questions and gets each answered, and the agent closes the
// chat. Without agents it measures the escalation turn only.
func handoffRun(ctx context.Context, out io.Writer, e *env, n int, ao agentOptions) HandoffResult {
	r := HandoffResult{Patients: n}
	hub := newHandoffHub()
	agents, err := signInAgents(ctx, e, ao, hub)
	defer func() {
		for _, a := range agents {
			a.close()
		}
	}()
	if err != nil {
		r.AgentSide = "not available: " + err.Error()
	} else {
		r.AgentSide = fmt.Sprintf("%d agents", len(agents))
		r.Agents, r.Rounds = len(agents), ao.Rounds
	}
	rec, claim := &recorder{}, &recorder{}
	var mu sync.Mutex
	var lastErr error
	fail := func(err error) {
		mu.Lock()
		lastErr = err
		mu.Unlock()
	}
	var sims []*sim
	chats := 0
	var wg sync.WaitGroup
	sem := make(chan struct{}, dialParallelism)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			s, _, err := e.open(ctx, "")
			if err != nil {
				<-sem
				rec.fail()
				fail(err)
				return
			}
			lat, err := s.say(ctx, "", "agent")
			<-sem
			if err != nil || s.ended != "queued" {
				rec.fail()
				fail(fmt.Errorf("escalate: ended %q: %v", s.ended, err))
				s.close()
				return
			}
			rec.add(lat)
			mu.Lock()
			sims = append(sims, s)
			mu.Unlock()
			if len(agents) == 0 {
				return
			}
			if err := s.agentChat(ctx, hub, claim, ao.Rounds); err != nil {
				fail(err)
				return
			}
			mu.Lock()
			chats++
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.EscalateTurn = rec.summary()
	r.Queued, r.Failures = len(sims), r.EscalateTurn.Errors
	if len(agents) > 0 {
		r.Chats = chats
		r.Failures += r.Queued - chats
		tc, ap, pa := claim.summary(), hub.agentLat.summary(), hub.patientLat.summary()
		r.TimeToClaim, r.AgentToPatient, r.PatientToAgent = &tc, &ap, &pa
		hub.mu.Lock()
		if hub.lastAgentErr != nil {
			r.Failures += hub.agentErrs
			lastErr = hub.lastAgentErr
		}
		hub.mu.Unlock()
		fmt.Fprintf(out, "  handoff: %d queued, %d chats done by %d agents; claim p99 %.2f ms; agent→patient p50 %.2f p99 %.2f ms\n",
			r.Queued, chats, len(agents), tc.P99, ap.P50, ap.P99)
	} else {
		fmt.Fprintf(out, "  handoff: %d queued; agent side: %s\n", r.Queued, r.AgentSide)
	}
	if lastErr != nil {
		r.LastError = lastErr.Error()
	}
	for _, s := range sims {
		s.close()
	}
	return r
}

// signInAgents signs every agent in (each from its own source address, as
// sign-ins are limited per address) and starts serving their sockets.
func signInAgents(ctx context.Context, e *env, ao agentOptions, hub *handoffHub) ([]*agentSim, error) {
	count := max(ao.Count, 1)
	agents := make([]*agentSim, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i := range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := ao.email(i + 1)
			bases := e.bases() // agents are spread over the nodes too
			ws, err := signInAgent(ctx, e, bases[i%len(bases)], e.src.pick(), email, ao.Password)
			if err != nil {
				errs[i] = err
				return
			}
			agents[i] = &agentSim{email: email, ws: ws, hub: hub}
		}()
	}
	wg.Wait()
	var ok []*agentSim
	var first error
	for i, a := range agents {
		if a != nil {
			ok = append(ok, a)
		} else if first == nil {
			first = errs[i]
		}
	}
	if first != nil {
		return ok, first
	}
	for _, a := range ok {
		go a.serve(ao.Rounds)
	}
	return ok, nil
}

// agentChat is the patient's side of a chat with an agent, once queued:
// await the assignment (time to claim) and the agent's greeting, ask
// rounds questions and await each answer, then await the close.
func (s *sim) agentChat(ctx context.Context, hub *handoffHub, claim *recorder, rounds int) error {
	ctx, cancel := context.WithTimeout(ctx, s.env.turnTimeout*time.Duration(rounds+2))
	defer cancel()
	queued := time.Now()
	claimed, answers := false, 0
	for {
		f, err := s.c.Next(ctx)
		if err != nil {
			return fmt.Errorf("agent chat after %d answers (claimed %t): %w", answers, claimed, err)
		}
		switch {
		case f.Type == "status" && f.Status == "agent" && !claimed:
			claimed = true
			claim.add(time.Since(queued))
		case f.Type == "status" && claimed && (f.Status == "bot" || f.Status == "closed"):
			// Closing hands the chat back to the bot, which asks for a
			// rating (or ends it when no rating flow is loaded).
			if answers < rounds+1 {
				return fmt.Errorf("chat closed after %d of %d agent messages", answers, rounds+1)
			}
			return nil
		case f.Type == "msg" && f.From == "agent":
			if err := hub.agentArrived(s.conv); err != nil {
				return err
			}
			answers++
			if answers <= rounds {
				s.says++
				hub.stampPatient(s.conv)
				if err := s.c.Say(fmt.Sprintf("s%d", s.says), fmt.Sprintf("Question %d about my account", answers), ""); err != nil {
					return fmt.Errorf("say to the agent: %w", err)
				}
			}
		case f.Type == "error":
			return fmt.Errorf("agent chat: error frame %s: %s", f.Code, f.Message)
		}
	}
}

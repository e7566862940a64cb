package main

import (
	"fmt"
	"strings"
)

// markdown renders the report: targets first, then every scenario with
// absolute figures and ratios to the same-run baselines.
func (r *Report) markdown(svgName string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Portico benchmark, %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	p("Machine: %d CPUs (%s), %d MiB memory, Linux %s, %s. Server and load generator share the machine; ",
		r.Machine.CPUs, r.Machine.Model, r.Machine.MemoryMiB, r.Machine.Kernel, r.Machine.Go)
	p("the echo baselines were measured in the same run by the same client code. Run took %.0f s.\n\n", r.Seconds)

	p("## Targets\n\n| Target | Goal | Reached | |\n|---|---|---|---|\n")
	for _, t := range r.Targets {
		mark := "missed"
		if t.Met {
			mark = "met"
		}
		p("| %s | %s | %s | %s |\n", t.Name, t.Goal, t.Reached, mark)
	}

	def, tuned := r.baseline("echo-default"), r.baseline("echo-tuned")
	p("\n## Idle connections: server cost per connection (ΔRSS/N after GC, from /proc)\n\n")
	p("| Server | Connections | RSS KiB/conn | heap KiB/conn | stack KiB/conn | goroutines/conn | open s | CPU idle %% |\n|---|---|---|---|---|---|---|---|\n")
	idleRows := []*IdleResult{}
	for _, e := range []*EchoResult{def, tuned} {
		if e != nil {
			idleRows = append(idleRows, &e.Idle)
		}
	}
	if r.Idle != nil {
		idleRows = append(idleRows, r.Idle)
	}
	for _, i := range idleRows {
		for _, s := range i.Steps {
			p("| %s | %d | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f |\n", i.Target, s.Conns, s.RSSPerConnKiB,
				s.HeapPerConnKiB, s.StackPerConnKiB, s.GoroutinesPerConn, i.OpenSeconds, i.IdleCPUPercent)
		}
		if i.Error != "" {
			p("| %s | error: %s | | | | | | |\n", i.Target, i.Error)
		}
	}
	if r.Idle != nil && len(r.Idle.Steps) > 0 {
		last := r.Idle.Steps[len(r.Idle.Steps)-1]
		for _, e := range []*EchoResult{def, tuned} {
			if e != nil && len(e.Idle.Steps) > 0 {
				p("\nPortico / %s: %.2f× the RSS per connection.", e.Name, ratio(last.RSSPerConnKiB, e.Idle.Steps[len(e.Idle.Steps)-1].RSSPerConnKiB))
			}
		}
		i := r.Idle
		p("\nAfter closing all: goroutines %d (before: %d), sockets left %d, Go heap %.1f MiB (before: %.1f, peak %.1f). "+
			"A second cycle of %d connections opened and closed leaves %d goroutines and %.1f MiB of heap: what the first close kept is the runtime's high-water marks (poll descriptors, map buckets), not growth. "+
			"RSS %.1f MiB (before: %.1f): SQLite's page cache, outside the Go heap, keeps what the new conversations wrote.\n",
			i.AfterGoroutine, i.BaseGoroutines, i.SocketsLeft, i.AfterHeapMiB, i.BaseHeapMiB, i.PeakHeapMiB,
			i.CycleConns, i.CycleGoroutines, i.CycleHeapMiB, i.AfterRSSMiB, i.BaseRSSMiB)
	}

	p("\n## Throughput, closed loop\n\n| | Connections | per second | p50 ms | p99 ms | server CPU %% | server CPU ms per message or turn |\n|---|---|---|---|---|---|---|\n")
	for _, e := range []*EchoResult{def, tuned} {
		if e != nil && e.MsgsPerSec > 0 {
			p("| %s (messages) | %d | %.0f | %.2f | %.2f | %.0f | %.4f |\n", e.Name, e.Conns, e.MsgsPerSec, e.Latency.P50, e.Latency.P99, e.ServerCPU, e.ServerCPU/100*1000/e.MsgsPerSec)
		}
	}
	if t := r.Throughput; t != nil {
		p("| Portico (dialog turns, durable) | %d | %.0f | %.2f | %.2f | %.0f | **%.3f** |\n", t.Patients, t.TurnsPerSec, t.Latency.P50, t.Latency.P99, t.ServerCPU, t.CPUPerTurnMs)
		p("\nDatabase: %.0f group commits/s with %.2f writes each; %.0f fsyncs/s with %.2f writes each. Failures: %d.\n", t.CommitsPerSec, t.WritesPerCommit, t.SyncsPerSec, t.WritesPerSync, t.Failures)
	}

	if d := r.Dialogs; d != nil {
		p("\n## Dialogs, open loop: %d active patients, %.0f turns/s offered\n\n", d.Patients, d.TargetRate)
		p("Each patient runs the reset_password flow on its own record (name, date of birth, ZIP, email code from the dev outbox) up to the new-password question, then says bye and starts over with a new record. Latency runs from the intended send time (so a slow server's queueing is counted) to the first bot message.\n\n")
		p("| | turns | turns/s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | failures |\n|---|---|---|---|---|---|---|---|---|\n")
		p("| from intended send | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d |\n", d.Turns, d.TurnsPerSec, d.Latency.P50, d.Latency.P95, d.Latency.P99, d.Latency.P999, d.Latency.Max, d.Failures)
		p("| from actual send | | | %.2f | %.2f | %.2f | %.2f | %.2f | |\n", d.RawLatency.P50, d.RawLatency.P95, d.RawLatency.P99, d.RawLatency.P999, d.RawLatency.Max)
		if tuned != nil {
			p("\nRatio of p99 to the tuned echo's closed-loop p99: %.1f×.", ratio(d.Latency.P99, tuned.Latency.P99))
		}
		p(" Database: %.0f group commits/s, %.2f writes per commit; %.0f fsyncs/s, %.2f writes per fsync. Server CPU %.0f%% (%.3f ms per turn).\n", d.CommitsPerSec, d.WritesPerCommit, d.SyncsPerSec, d.WritesPerSync, d.ServerCPU, d.CPUPerTurnMs)
		if d.SyncP99Ms > 0 {
			p(" The WAL's fsyncs took up to %g ms (median) and %g ms (99th percentile), by power-of-two buckets: a durable turn waits for at least one.\n", d.SyncP50Ms, d.SyncP99Ms)
		}
		if d.LastError != "" {
			p("\nLast failure: `%s`\n", d.LastError)
		}
		p("\n![latency histogram](%s)\n", svgName)
	}

	if rows := r.growthRows(); len(rows) > 0 {
		p("\n## Growth\n\nThe same dialogs at other patient counts, each patient at the dialogs' rate (one turn every %.1f s), open loop; and the idle cost at each step of Portico's idle run.\n\n", r.perPatientInterval())
		p("| active patients | turns/s offered | turns/s | p50 ms | p99 ms | p99.9 ms | server CPU %% | CPU ms/turn | fsyncs/s | RSS MiB | failures |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, g := range rows {
			p("| %d | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f | %.3f | %.0f | %.0f | %d |\n", g.Patients, g.TargetRate, g.TurnsPerSec, g.Latency.P50, g.Latency.P99, g.Latency.P999, g.ServerCPU, g.CPUPerTurnMs, g.SyncsPerSec, g.RSSMiB, g.Failures)
		}
		if r.Idle != nil {
			p("\n| idle sockets | RSS KiB/socket | heap KiB/socket | goroutines/socket |\n|---|---|---|---|\n")
			for _, s := range r.Idle.Steps {
				p("| %d | %.1f | %.1f | %.2f |\n", s.Conns, s.RSSPerConnKiB, s.HeapPerConnKiB, s.GoroutinesPerConn)
			}
		}
	}

	if x := r.Resets; x != nil {
		p("\n## Password resets (argon2id, m=19 MiB, t=2, p=1)\n\n")
		p("%d patients reached the new-password question, then all answered at once.\n\n", x.Resets+x.Failures)
		p("| | value |\n|---|---|\n")
		p("| raw argon2id hashes/s (this process, %d goroutines) | %.1f |\n", r.Machine.CPUs, x.RawHashesPerSec)
		p("| resets/s through the server | %.1f (%.0f%% of raw) |\n", x.ResetsPerSec, x.RatioToRaw*100)
		p("| reset turn latency p50 / p99 ms | %.1f / %.1f |\n", x.ResetLatency.P50, x.ResetLatency.P99)
		p("| background (%d patients, %.0f turns/s) p99 before / during | %.2f / %.2f ms (×%.2f) |\n", x.Background, x.BackgroundRate, x.BackgroundBefore.P99, x.BackgroundDuring.P99, x.P99Growth)
		p("| server during the resets: CPU (with its hashing worker), garbage collections | %.0f%%, %d (%.1f/s) |\n", x.ServerCPU, x.ServerGCs, x.ServerGCPerSec)
		p("| server hashing pool: longest queue, average wait for a slot | %d, %.1f ms |\n", x.HashMaxQueued, x.HashWaitMs)
		p("| failures | %d |\n", x.Failures)
		if x.LastError != "" {
			p("\nLast failure: `%s`\n", x.LastError)
		}
	}
	if h := r.Handoff; h != nil {
		p("\n## Handoff\n\n%d patients asked for a person (reply `agent`); %d queued. Escalation turn p50 %.2f ms, p99 %.2f ms.\n",
			h.Patients, h.Queued, h.EscalateTurn.P50, h.EscalateTurn.P99)
		if h.AgentToPatient == nil {
			p("\nAgent→patient latency: %s.\n", h.AgentSide)
		} else {
			p("\n%s signed in over `/ws/agent` took the chats as the engine assigned them (`handoff.auto_assign`), greeted the patient, answered %d patient messages each and closed the chat: %d chats done, %d failures.\n\n",
				h.AgentSide, h.Rounds, h.Chats, h.Failures)
			p("| | samples | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n")
			row := func(name string, s *Summary) {
				p("| %s | %d | %.2f | %.2f | %.2f | %.2f |\n", name, s.Count, s.P50, s.P95, s.P99, s.Max)
			}
			row("queued → agent assigned (time to claim)", h.TimeToClaim)
			row("agent `say` sent → patient has the `msg`", h.AgentToPatient)
			row("patient `say` sent → agent has the `msg`", h.PatientToAgent)
			if tuned != nil {
				p("\nAgent→patient against the tuned echo's closed-loop round trip: p50 %.1f×, p99 %.1f×.\n",
					ratio(h.AgentToPatient.P50, tuned.Latency.P50), ratio(h.AgentToPatient.P99, tuned.Latency.P99))
			}
		}
		if h.LastError != "" {
			p("\nLast failure: `%s`\n", h.LastError)
		}
	}
	if c := r.Churn; c != nil {
		p("\n## Churn\n\n%d patients dropped their sockets (no close frame) and reconnected within %.0f s with `hello{resume, last_seq: 0}`: %d resumed, %d failures.\n\n", c.Opened, c.Within, c.Resumed, c.Failures)
		p("| | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|\n")
		p("| hello → welcome | %.2f | %.2f | %.2f | %.2f |\n", c.Welcome.P50, c.Welcome.P95, c.Welcome.P99, c.Welcome.Max)
		p("| hello → replay done | %.2f | %.2f | %.2f | %.2f |\n", c.Replay.P50, c.Replay.P95, c.Replay.P99, c.Replay.Max)
	}
	if len(r.Notes) > 0 {
		p("\n## Notes\n\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
	}
	p("\n%d patient records used.\n", r.PatientsUsed)
	return b.String()
}

package main

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/notify/smtptest"
	"github.com/portico-chat/portico/connectors/web/client"
)

// TestHandoffEndToEnd: a patient asks for a person, an agent signs in,
// sees the queue on /ws/agent, claims the chat, they talk, the agent hands
// the patient back to the bot into reset_password and the patient finishes
// it (issue 4's protocol-level test).
func TestHandoffEndToEnd(t *testing.T) {
	mail := smtptest.Start(t)
	keys := smtpKeys(mail)
	keys["handoff.auto_assign"] = "false" // the agent claims
	keys["http.rate_frames"] = "100"      // a scripted patient answers faster than any person
	keys["http.rate_burst"] = "50"
	app := startApp(t, keys)

	p := dial(t, app.URL)
	w, _ := p.hello("", 0, "en", "")
	frames := p.say("I need a human")
	wantStatus(t, frames, "queued", "")
	p.await("my place in line", func(f client.Frame) bool { return f.Type == "status" && f.Position == 1 })

	a := dialAgent(t, app.URL, signInAgent(t, app.URL, demoAgentEmail, demoAgentPassword))
	q := a.await("the queue with the chat", func(f agentFrame) bool {
		return f.Type == "queue" && len(f.Items) == 1 && f.Items[0].Conversation == w.Conversation
	})
	if it := q.Items[0]; it.Reason != "requested" || it.Position != 1 || it.Verified {
		t.Errorf("queue item %+v, want reason requested (the menu's way to a person), position 1, not verified", it)
	}

	a.send(map[string]any{"type": "claim", "conversation": w.Conversation})
	view := a.await("the conversation", func(f agentFrame) bool {
		return f.Type == "conversation" && f.Conversation == w.Conversation
	})
	if view.Status != "agent" || !strings.Contains(transcriptText(view), "I need a human") {
		t.Errorf("conversation view %+v: want status agent and the whole transcript", view)
	}
	joined := p.await("the agent joining", func(f client.Frame) bool { return f.Type == "status" && f.Status == "agent" })
	if joined.Agent == "" {
		t.Error("the patient is not told the agent's name")
	}

	a.send(map[string]any{"type": "say", "conversation": w.Conversation, "id": "a1", "text": "Hello, I can help with that."})
	m := p.await("the agent's message", func(f client.Frame) bool { return f.Type == "msg" && f.From == "agent" })
	if m.Text != "Hello, I can help with that." || m.Agent == "" {
		t.Errorf("agent message %+v, want the text with the agent's name", m)
	}
	a.send(map[string]any{"type": "note", "conversation": w.Conversation, "text": "caller sounds unsure"})
	a.await("the note", func(f agentFrame) bool { return f.Type == "msg" && f.From == "note" })

	p.n = 50
	if err := p.conn.Say("p-1", "I forgot my password", ""); err != nil {
		t.Fatal(err)
	}
	a.await("the patient's message", func(f agentFrame) bool {
		return f.Type == "msg" && f.From == "patient" && f.Text == "I forgot my password"
	})
	p.await("the ack", func(f client.Frame) bool { return f.Type == "ack" && f.ID == "p-1" })

	a.send(map[string]any{"type": "to_bot", "conversation": w.Conversation, "flow": "reset_password"})
	a.await("the release", func(f agentFrame) bool { return f.Type == "released" && f.Conversation == w.Conversation })
	q1 := p.await("the bot's first question", func(f client.Frame) bool { return f.Type == "msg" && f.Input != nil })
	if q1.Input.Slot != "lookup" {
		t.Fatalf("back with the bot, first question asks for %s, want lookup", q1.Input.Slot)
	}
	p.await("the status back to the bot", func(f client.Frame) bool { return f.Type == "status" && f.Status == "bot" })
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		p.say(s)
	}
	wantInput(t, p.say("reply:email"), "otp")
	wantInput(t, p.say(codeFrom(t, waitMail(t, mail))), "new_password")
	wantStatus(t, p.say("tulip harbor seven lanterns"), "closed", "resolved")

	// The note never reached the patient, live or in the stored transcript.
	msgs, err := app.DB.Messages(t.Context(), w.Conversation, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if strings.Contains(m.Text, "caller sounds unsure") {
			t.Errorf("the note is in the patient's transcript: %+v", m)
		}
	}
}

// TestRestartDuringAnAgentChat: the server restarts while an agent and a
// patient chat; both reconnect, the assignment is kept and nothing is lost.
func TestRestartDuringAnAgentChat(t *testing.T) {
	s := runServer(t, map[string]string{"handoff.auto_assign": "false"})
	p := dial(t, s.URL)
	w, _ := p.hello("", 0, "en", "")
	p.say("agent")
	jar := signInAgent(t, s.URL, demoAgentEmail, demoAgentPassword)
	a := dialAgent(t, s.URL, jar)
	a.send(map[string]any{"type": "claim", "conversation": w.Conversation})
	a.await("the conversation", func(f agentFrame) bool { return f.Type == "conversation" })
	a.send(map[string]any{"type": "say", "conversation": w.Conversation, "id": "before", "text": "One moment please."})
	before := p.await("the agent's message", func(f client.Frame) bool { return f.Type == "msg" && f.From == "agent" })

	s.restart()

	// The agent's session survives the restart; the chat is still theirs.
	a = dialAgent(t, s.URL, jar)
	view := a.await("the held conversation", func(f agentFrame) bool {
		return f.Type == "conversation" && f.Conversation == w.Conversation
	})
	if view.Status != "agent" || !strings.Contains(transcriptText(view), "One moment please.") {
		t.Fatalf("after the restart the agent sees %+v, want the chat still held with its transcript", view)
	}
	p2 := dial(t, s.URL)
	p2.n = 100
	if err := p2.conn.Hello(w.Resume, before.Seq, "en", ""); err != nil {
		t.Fatal(err)
	}
	welcome := p2.await("welcome", func(f client.Frame) bool { return f.Type == "welcome" })
	if welcome.Conversation != w.Conversation || welcome.Status != "agent" {
		t.Fatalf("patient resumed into %+v, want the same conversation, still with the agent", welcome)
	}
	a.send(map[string]any{"type": "say", "conversation": w.Conversation, "id": "after", "text": "Thanks for waiting."})
	got := p2.await("the agent's message after the restart", func(f client.Frame) bool { return f.Type == "msg" && f.From == "agent" })
	if got.Text != "Thanks for waiting." || got.Seq != before.Seq+1 {
		t.Errorf("after the restart the patient got %+v, want the next message as seq %d", got, before.Seq+1)
	}
}

// transcriptText joins a conversation view's transcript.
func transcriptText(f agentFrame) string {
	var b strings.Builder
	for _, m := range f.Transcript {
		b.WriteString(m.From + ": " + m.Text + "\n")
	}
	return b.String()
}

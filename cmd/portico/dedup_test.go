package main

import (
	"context"
	"testing"
)

// TestSayRetriedAfterDropIsProcessedOnce: a patient's say whose ack was
// lost with the connection is sent again, with the same id, on a new
// connection. It is acknowledged with its original seq, stored once and
// answered once (PROTOCOL.md, "Delivery guarantees").
func TestSayRetriedAfterDropIsProcessedOnce(t *testing.T) {
	app := startApp(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()

	p := dial(t, app.URL)
	w, _ := p.hello("", 0, "en", "reset_password")
	p.say("reply:name")
	if err := p.conn.Say("first-name", "Olivia", ""); err != nil {
		t.Fatal(err)
	}
	ack, err := p.conn.Next(ctx)
	if err != nil || ack.Type != "ack" {
		t.Fatalf("got %+v, %v; want the ack", ack, err)
	}
	p.conn.Drop() // the network fails; the client never learns of the ack

	p = dial(t, app.URL)
	if err := p.conn.Hello(w.Resume, ack.Seq-1, "en", ""); err != nil {
		t.Fatal(err)
	}
	if f, err := p.conn.Next(ctx); err != nil || f.Type != "welcome" {
		t.Fatalf("got %+v, %v; want welcome", f, err)
	}
	replay, err := p.conn.Turn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(replay) != 2 || replay[0].Text != "Olivia" || replay[1].Input == nil || replay[1].Input.Slot != "last_name" {
		t.Fatalf("replay %q, want the say and the last-name question", texts(replay))
	}
	// The client does not trust its view and resends the say.
	if err := p.conn.Say("first-name", "Olivia", ""); err != nil {
		t.Fatal(err)
	}
	again, err := p.conn.Next(ctx)
	if err != nil || again.Type != "ack" || again.ID != "first-name" || again.Seq != ack.Seq {
		t.Fatalf("resent say: got %+v, %v; want an ack with the original seq %d", again, err, ack.Seq)
	}
	// The next turn's frames come straight after: nothing was answered twice.
	p.n = 10
	frames := p.say("Activeuser")
	wantInput(t, frames, "dob")

	msgs, err := app.DB.Messages(ctx, w.Conversation, 0)
	if err != nil {
		t.Fatal(err)
	}
	stored, asked := 0, 0
	for _, m := range msgs {
		if m.ClientID == "first-name" {
			stored++
		}
		if m.Input != nil && m.Input.Slot == "last_name" {
			asked++
		}
	}
	if stored != 1 || asked != 1 {
		t.Errorf("the say is stored %d times and answered %d times, want 1 and 1", stored, asked)
	}
}

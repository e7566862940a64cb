package web

import (
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestEncodeEvent(t *testing.T) {
	at := time.Date(2025, 3, 1, 13, 4, 5, 0, time.FixedZone("EST", -5*3600))
	tests := []struct {
		name string
		ev   bot.Event
		want string
	}{
		{"ack", bot.Event{Ack: &bot.Ack{ID: "s-1", Seq: 7}}, `{"type":"ack","id":"s-1","seq":7}`},
		{"bot msg with input", bot.Event{Message: &bot.Message{Seq: 3, From: bot.FromBot, Text: "Your date of birth?", At: at,
			Input: &bot.Input{Kind: "date", Slot: "dob", Autocomplete: "bday", Hint: "MM/DD/YYYY"}}},
			`{"type":"msg","seq":3,"from":"bot","text":"Your date of birth?","at":"2025-03-01T18:04:05Z","input":{"kind":"date","slot":"dob","autocomplete":"bday","hint":"MM/DD/YYYY"}}`},
		{"bot msg with replies", bot.Event{Message: &bot.Message{Seq: 1, From: bot.FromBot, Text: "How can I help?", At: at,
			Replies: []bot.Reply{{Label: "Reset my password", Value: "reset_password"}}}},
			`{"type":"msg","seq":1,"from":"bot","text":"How can I help?","at":"2025-03-01T18:04:05Z","replies":[{"label":"Reset my password","value":"reset_password"}]}`},
		{"agent msg", bot.Event{Message: &bot.Message{Seq: 9, From: bot.FromAgent, Agent: "Dana", Text: "Hi, I'm Dana.", At: at}},
			`{"type":"msg","seq":9,"from":"agent","text":"Hi, I'm Dana.","at":"2025-03-01T18:04:05Z","agent":"Dana"}`},
		{"queued status", bot.Event{Status: &bot.StatusChange{Status: bot.StatusQueued, Position: 2, Wait: 90*time.Second + time.Millisecond}},
			`{"type":"status","status":"queued","position":2,"wait_s":91}`},
		{"closed status", bot.Event{Status: &bot.StatusChange{Status: bot.StatusClosed, Resolution: bot.Resolved}},
			`{"type":"status","status":"closed","resolution":"resolved"}`},
		{"agent status", bot.Event{Status: &bot.StatusChange{Status: bot.StatusAgent, Agent: "Dana"}},
			`{"type":"status","status":"agent","agent":"Dana"}`},
		{"typing", bot.Event{Typing: &bot.Typing{From: bot.FromAgent, On: false}}, `{"type":"typing","from":"agent","on":false}`},
	}
	for _, tt := range tests {
		got, err := encodeEvent(tt.ev)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: got %s, %v\nwant %s", tt.name, got, err, tt.want)
		}
	}
	if _, err := encodeEvent(bot.Event{}); err == nil {
		t.Error("an empty event encoded")
	}
}

func TestServerOwnFrames(t *testing.T) {
	tests := []struct {
		name string
		f    any
		want string
	}{
		{"welcome", welcomeFrame(bot.Welcome{ConversationID: "c1", Resume: "r", Seq: 0, Status: bot.StatusBot}),
			`{"type":"welcome","conversation":"c1","resume":"r","seq":0,"status":"bot"}`},
		{"error", errorFrame(CodeBadFrame, "say needs text or reply"), `{"type":"error","code":"bad_frame","message":"say needs text or reply"}`},
		{"rate limited", ErrorFrame{Type: typeError, Code: CodeRateLimited, Message: "slow down", RetryAfterS: 4},
			`{"type":"error","code":"rate_limited","message":"slow down","retry_after_s":4}`},
	}
	for _, tt := range tests {
		if got := string(mustJSON(tt.f)); got != tt.want {
			t.Errorf("%s: got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

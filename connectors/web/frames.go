package web

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Server-to-client frame types of the patient endpoint.
const (
	typeWelcome = "welcome"
	typeAck     = "ack"
	typeMsg     = "msg"
	typeStatus  = "status"
	typeTyping  = "typing"
	typeError   = "error"
)

// Error frame codes (PROTOCOL.md, "error").
const (
	CodeBadFrame    = "bad_frame"    // not JSON, a field missing or of the wrong type
	CodeUnknownType = "unknown_type" // a frame type this server does not know
	CodeRateLimited = "rate_limited" // too many frames; see retry_after_s
	CodeTooLarge    = "too_large"    // a field is longer than allowed
	CodeExpired     = "expired"      // the resume token or conversation is gone
	CodeInvalid     = "invalid"      // the engine refused the input
	CodeInternal    = "internal"     // our fault; the client may retry
)

// WelcomeFrame answers hello.
type WelcomeFrame struct {
	Type         string     `json:"type"`
	Conversation string     `json:"conversation"`
	Resume       string     `json:"resume"`
	Seq          int64      `json:"seq"`
	Status       bot.Status `json:"status"`
}

// AckFrame confirms that a say was stored as message Seq.
type AckFrame struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Seq  int64  `json:"seq"`
}

// MsgFrame is one message of the transcript.
type MsgFrame struct {
	Type    string      `json:"type"`
	Seq     int64       `json:"seq"`
	From    bot.From    `json:"from"`
	Text    string      `json:"text"`
	At      string      `json:"at"` // RFC 3339, UTC
	Agent   string      `json:"agent,omitempty"`
	Replies []bot.Reply `json:"replies,omitempty"`
	Input   *bot.Input  `json:"input,omitempty"`
}

// StatusFrame tells the client the conversation's status changed.
type StatusFrame struct {
	Type       string         `json:"type"`
	Status     bot.Status     `json:"status"`
	Position   int            `json:"position,omitempty"`
	WaitS      int            `json:"wait_s,omitempty"`
	Agent      string         `json:"agent,omitempty"`
	Resolution bot.Resolution `json:"resolution,omitempty"`
}

// TypingOutFrame is the bot's or agent's typing indicator.
type TypingOutFrame struct {
	Type string   `json:"type"`
	From bot.From `json:"from"`
	On   bool     `json:"on"`
}

// ErrorFrame reports a problem; the connection stays open unless a close
// frame follows.
type ErrorFrame struct {
	Type        string `json:"type"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	RetryAfterS int    `json:"retry_after_s,omitempty"`
}

// frameOf turns an engine event into its frame.
func frameOf(ev bot.Event) (any, error) {
	switch {
	case ev.Ack != nil:
		return AckFrame{Type: typeAck, ID: ev.Ack.ID, Seq: ev.Ack.Seq}, nil
	case ev.Message != nil:
		m := ev.Message
		return MsgFrame{
			Type:    typeMsg,
			Seq:     m.Seq,
			From:    m.From,
			Text:    m.Text,
			At:      m.At.UTC().Format(time.RFC3339),
			Agent:   m.Agent,
			Replies: m.Replies,
			Input:   m.Input,
		}, nil
	case ev.Status != nil:
		s := ev.Status
		return StatusFrame{
			Type:       typeStatus,
			Status:     s.Status,
			Position:   s.Position,
			WaitS:      int(math.Ceil(s.Wait.Seconds())),
			Agent:      s.Agent,
			Resolution: s.Resolution,
		}, nil
	case ev.Typing != nil:
		return TypingOutFrame{Type: typeTyping, From: ev.Typing.From, On: ev.Typing.On}, nil
	default:
		return nil, fmt.Errorf("encode event: no field set")
	}
}

// encodeEvent returns the JSON text of an engine event's frame.
func encodeEvent(ev bot.Event) ([]byte, error) {
	f, err := frameOf(ev)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", f, err)
	}
	return b, nil
}

func welcomeFrame(w bot.Welcome) WelcomeFrame {
	return WelcomeFrame{Type: typeWelcome, Conversation: w.ConversationID, Resume: w.Resume, Seq: w.Seq, Status: w.Status}
}

func errorFrame(code, message string) ErrorFrame {
	return ErrorFrame{Type: typeError, Code: code, Message: message}
}

// mustJSON encodes a frame built from plain fields, which cannot fail.
func mustJSON(f any) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", f, err))
	}
	return b
}

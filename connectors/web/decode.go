package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Client-to-server frame types of the patient endpoint.
const (
	typeHello = "hello"
	typeSay   = "say"
	typeSeen  = "seen"
	typeBye   = "bye"
	// typeLocale switches the conversation's language (an addition to
	// PROTOCOL.md: docs/protocol.md).
	typeLocale = "locale"
	// typeTyping is shared with the server's frame.
)

// Field limits. The frame as a whole is capped by Config.ReadLimit.
const (
	maxIDLen     = 128  // say id
	maxTextRunes = 2000 // say text, in code points
	maxReplyLen  = 128  // say reply value
	maxResumeLen = 256  // resume token
	maxLocaleLen = 35   // BCP 47 tag
	maxStartLen  = 64   // flow name
)

// HelloFrame opens or resumes a conversation; it must come first.
type HelloFrame struct {
	Resume  string `json:"resume"`
	LastSeq int64  `json:"last_seq"`
	Locale  string `json:"locale"`
	Start   string `json:"start,omitempty"`
	// ResumeOnly: with a dead resume token, fail with error{expired}
	// instead of starting a new conversation (an addition).
	ResumeOnly bool `json:"resume_only,omitempty"`
}

// SayFrame is the patient's turn: text, a quick reply's value, or both.
type SayFrame struct {
	ID    string `json:"id"`
	Text  string `json:"text,omitempty"`
	Reply string `json:"reply,omitempty"`
}

// TypingFrame is the patient's typing indicator.
type TypingFrame struct {
	On bool `json:"on"`
}

// SeenFrame says the client has shown everything up to Seq.
type SeenFrame struct {
	Seq int64 `json:"seq"`
}

// ByeFrame says the patient closed the chat.
type ByeFrame struct{}

// LocaleFrame switches the conversation's language mid-chat.
type LocaleFrame struct {
	Locale string `json:"locale"`
}

// FrameError is why a client frame was refused; Code is an error frame code
// (bad_frame, unknown_type or too_large) and Message says what to fix.
type FrameError struct {
	Code    string
	Message string
}

func (e *FrameError) Error() string { return e.Code + ": " + e.Message }

func badFrame(format string, args ...any) *FrameError {
	return &FrameError{Code: CodeBadFrame, Message: fmt.Sprintf(format, args...)}
}

// wire is a client frame as sent. Pointers tell absent from zero where
// that matters (a type, typing's on, seen's seq); elsewhere absent and
// empty mean the same, and a plain field saves an allocation per field
// (BenchmarkFrameDecode).
type wire struct {
	Type    *string `json:"type"`
	Resume  string  `json:"resume"`
	LastSeq int64   `json:"last_seq"`
	Locale  string  `json:"locale"`
	Start   string  `json:"start"`
	Resumed bool    `json:"resume_only"`
	ID      string  `json:"id"`
	Text    string  `json:"text"`
	Reply   string  `json:"reply"`
	On      *bool   `json:"on"`
	Seq     *int64  `json:"seq"`
}

// DecodeClientFrame parses one patient frame into a HelloFrame, SayFrame,
// TypingFrame, SeenFrame, ByeFrame or LocaleFrame. Unknown fields are ignored. Any
// failure is a *FrameError.
func DecodeClientFrame(b []byte) (any, error) {
	var w wire
	if err := decodeObject(b, &w); err != nil {
		return nil, err
	}
	if w.Type == nil {
		return nil, badFrame("missing field type")
	}
	switch *w.Type {
	case typeHello:
		return decodeHello(&w)
	case typeSay:
		return decodeSay(&w)
	case typeTyping:
		if w.On == nil {
			return nil, badFrame("typing needs on (true or false)")
		}
		return TypingFrame{On: *w.On}, nil
	case typeSeen:
		if w.Seq == nil {
			return nil, badFrame("seen needs seq")
		}
		if *w.Seq < 0 {
			return nil, badFrame("seq must not be negative")
		}
		return SeenFrame{Seq: *w.Seq}, nil
	case typeBye:
		return ByeFrame{}, nil
	case typeLocale:
		switch {
		case strings.TrimSpace(w.Locale) == "":
			return nil, badFrame("locale needs locale")
		case len(w.Locale) > maxLocaleLen:
			return nil, tooLarge("locale", maxLocaleLen)
		}
		return LocaleFrame{Locale: w.Locale}, nil
	default:
		return nil, &FrameError{Code: CodeUnknownType, Message: fmt.Sprintf("unknown frame type %q", clip(*w.Type, 32))}
	}
}

// decodeObject unmarshals one JSON object, turning json's errors into
// bad_frame messages that name the field but never echo its value.
func decodeObject(b []byte, w *wire) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return badFrame("a frame must be one JSON object")
	}
	err := json.Unmarshal(b, w)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return badFrame("field %s must be %s", clip(typeErr.Field, 32), jsonKind(typeErr.Type.Kind().String()))
	default:
		return badFrame("not valid JSON")
	}
}

// jsonKind names a Go kind the way a JSON author thinks of it.
func jsonKind(k string) string {
	switch k {
	case "int64":
		return "an integer"
	case "bool":
		return "true or false"
	default:
		return "a string"
	}
}

func decodeHello(w *wire) (HelloFrame, error) {
	h := HelloFrame{Resume: w.Resume, Locale: w.Locale, Start: w.Start, LastSeq: w.LastSeq, ResumeOnly: w.Resumed}
	switch {
	case h.ResumeOnly && h.Resume == "":
		return HelloFrame{}, badFrame("resume_only needs resume")
	case h.LastSeq < 0:
		return HelloFrame{}, badFrame("last_seq must not be negative")
	case len(h.Resume) > maxResumeLen:
		return HelloFrame{}, tooLarge("resume", maxResumeLen)
	case len(h.Locale) > maxLocaleLen:
		return HelloFrame{}, tooLarge("locale", maxLocaleLen)
	case len(h.Start) > maxStartLen:
		return HelloFrame{}, tooLarge("start", maxStartLen)
	}
	return h, nil
}

func decodeSay(w *wire) (SayFrame, error) {
	s := SayFrame{ID: w.ID, Text: cleanText(w.Text), Reply: cleanText(w.Reply)}
	switch {
	case s.ID == "":
		return SayFrame{}, badFrame("say needs a non-empty id")
	case strings.TrimSpace(s.Text) == "" && s.Reply == "":
		return SayFrame{}, badFrame("say needs text or reply")
	case len(s.ID) > maxIDLen:
		return SayFrame{}, tooLarge("id", maxIDLen)
	case utf8.RuneCountInString(s.Text) > maxTextRunes:
		return SayFrame{}, tooLarge("text", maxTextRunes)
	case len(s.Reply) > maxReplyLen:
		return SayFrame{}, tooLarge("reply", maxReplyLen)
	}
	return s, nil
}

func tooLarge(field string, max int) *FrameError {
	return &FrameError{Code: CodeTooLarge, Message: fmt.Sprintf("%s is longer than %d characters", field, max)}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

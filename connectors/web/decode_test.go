package web

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeClientFrame(t *testing.T) {
	tests := []struct {
		in   string
		want any
		code string // error code when decoding fails
		msg  string // part of the error message
	}{
		{in: `{"type":"hello","resume":"r","last_seq":4,"locale":"es","start":"reset_password"}`,
			want: HelloFrame{Resume: "r", LastSeq: 4, Locale: "es", Start: "reset_password"}},
		{in: `{"type":"hello"}`, want: HelloFrame{}},
		{in: ` {"type":"hello","resume":null,"extra":{"nested":[1,2]}} `, want: HelloFrame{}},
		{in: `{"type":"say","id":"a","text":"hi"}`, want: SayFrame{ID: "a", Text: "hi"}},
		{in: `{"type":"say","id":"a","reply":"yes"}`, want: SayFrame{ID: "a", Reply: "yes"}},
		{in: `{"type":"say","id":"a","text":"  pass word  "}`, want: SayFrame{ID: "a", Text: "  pass word  "}},
		{in: `{"type":"typing","on":false}`, want: TypingFrame{On: false}},
		{in: `{"type":"seen","seq":0}`, want: SeenFrame{Seq: 0}},
		{in: `{"type":"bye"}`, want: ByeFrame{}},
		{in: `{"type":"locale","locale":"es"}`, want: LocaleFrame{Locale: "es"}},
		{in: `{"type":"hello","resume":"r","resume_only":true}`, want: HelloFrame{Resume: "r", ResumeOnly: true}},
		{in: `{"type":"hello","resume":"r","resume_only":false}`, want: HelloFrame{Resume: "r"}},

		{in: ``, code: CodeBadFrame, msg: "one JSON object"},
		{in: `[]`, code: CodeBadFrame, msg: "one JSON object"},
		{in: `"hello"`, code: CodeBadFrame, msg: "one JSON object"},
		{in: `{"type":"bye"} {"type":"bye"}`, code: CodeBadFrame, msg: "not valid JSON"},
		{in: `{}`, code: CodeBadFrame, msg: "missing field type"},
		{in: `{"type":7}`, code: CodeBadFrame, msg: "type must be a string"},
		{in: `{"type":"HELLO"}`, code: CodeUnknownType, msg: `"HELLO"`},
		{in: `{"type":"hello","last_seq":-1}`, code: CodeBadFrame, msg: "last_seq must not be negative"},
		{in: `{"type":"hello","last_seq":1.5}`, code: CodeBadFrame, msg: "last_seq must be an integer"},
		{in: `{"type":"hello","resume":` + quote(strings.Repeat("r", maxResumeLen+1)) + `}`, code: CodeTooLarge, msg: "resume"},
		{in: `{"type":"say","text":"hi"}`, code: CodeBadFrame, msg: "say needs a non-empty id"},
		{in: `{"type":"say","id":"a"}`, code: CodeBadFrame, msg: "say needs text or reply"},
		{in: `{"type":"say","id":"a","text":"hi","reply":5}`, code: CodeBadFrame, msg: "reply must be a string"},
		{in: `{"type":"say","id":` + quote(strings.Repeat("i", maxIDLen+1)) + `,"text":"x"}`, code: CodeTooLarge, msg: "id"},
		{in: `{"type":"say","id":"a","text":` + quote(strings.Repeat("é", maxTextRunes+1)) + `}`, code: CodeTooLarge, msg: "text"},
		{in: `{"type":"typing","on":"yes"}`, code: CodeBadFrame, msg: "on must be true or false"},
		{in: `{"type":"typing"}`, code: CodeBadFrame, msg: "typing needs on"},
		{in: `{"type":"seen"}`, code: CodeBadFrame, msg: "seen needs seq"},
		{in: `{"type":"seen","seq":-2}`, code: CodeBadFrame, msg: "seq must not be negative"},
		{in: `{"type":"locale"}`, code: CodeBadFrame, msg: "locale needs locale"},
		{in: `{"type":"locale","locale":" "}`, code: CodeBadFrame, msg: "locale needs locale"},
		{in: `{"type":"locale","locale":` + quote(strings.Repeat("e", maxLocaleLen+1)) + `}`, code: CodeTooLarge, msg: "locale"},
		{in: `{"type":"hello","resume_only":true}`, code: CodeBadFrame, msg: "resume_only needs resume"},
		{in: `{"type":"hello","resume":"r","resume_only":"yes"}`, code: CodeBadFrame, msg: "resume_only must be true or false"},
	}
	for _, tt := range tests {
		got, err := DecodeClientFrame([]byte(tt.in))
		if tt.code == "" {
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: got %#v, %v; want %#v", clip(tt.in, 60), got, err, tt.want)
			}
			continue
		}
		var fe *FrameError
		if !errors.As(err, &fe) || fe.Code != tt.code || !strings.Contains(fe.Message, tt.msg) {
			t.Errorf("%s: got %v, want %s error with %q", clip(tt.in, 60), err, tt.code, tt.msg)
		}
	}
}

func TestDecodeErrorsNeverEchoValues(t *testing.T) {
	_, err := DecodeClientFrame([]byte(`{"type":"say","id":"a","text":["hunter2-secret"]}`))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("got %v, want an error that does not quote the value", err)
	}
}

func FuzzDecodeClientFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","resume":"","last_seq":0,"locale":"en"}`,
		`{"type":"hello","resume":"tok","last_seq":12,"locale":"es","start":"activate_account"}`,
		`{"type":"say","id":"0c9a","text":"I forgot my password"}`,
		`{"type":"say","id":"0c9b","reply":"yes"}`,
		`{"type":"typing","on":true}`,
		`{"type":"seen","seq":5}`,
		`{"type":"bye"}`,
		`{"type":"locale","locale":"es"}`,
		`{"type":"say","id":"x","text":"\ud800"}`,
		`{"type":"seen","seq":1e400}`,
		`{"type":"hello","last_seq":9223372036854775808}`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeClientFrame(b)
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("got error %T, want *FrameError", err)
			}
			switch fe.Code {
			case CodeBadFrame, CodeUnknownType, CodeTooLarge:
			default:
				t.Fatalf("got error code %q", fe.Code)
			}
			if len(fe.Message) > 200 {
				t.Fatalf("error message of %d bytes", len(fe.Message))
			}
			return
		}
		// A decoded frame survives a round trip unchanged.
		again, err := DecodeClientFrame(reencode(t, got))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("round trip: got %#v, %v; want %#v", again, err, got)
		}
	})
}

// reencode writes a decoded frame back as the client would send it.
func reencode(t *testing.T, f any) []byte {
	var v any
	switch f := f.(type) {
	case HelloFrame:
		v = struct {
			Type string `json:"type"`
			HelloFrame
		}{typeHello, f}
	case SayFrame:
		v = struct {
			Type string `json:"type"`
			SayFrame
		}{typeSay, f}
	case TypingFrame:
		v = struct {
			Type string `json:"type"`
			TypingFrame
		}{typeTyping, f}
	case SeenFrame:
		v = struct {
			Type string `json:"type"`
			SeenFrame
		}{typeSeen, f}
	case ByeFrame:
		v = map[string]string{"type": typeBye}
	case LocaleFrame:
		v = struct {
			Type string `json:"type"`
			LocaleFrame
		}{typeLocale, f}
	default:
		t.Fatalf("decoded to %T", f)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

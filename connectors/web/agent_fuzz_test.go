package web

import (
	"errors"
	"testing"
)

// FuzzDecodeAgentFrame: whatever a console sends, the decoder answers with
// a frame of a known type that names what it needs, or a FrameError with a
// short message; it never panics.
func FuzzDecodeAgentFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"claim","conversation":"c1"}`,
		`{"type":"say","conversation":"c1","id":"a1","text":"Hello"}`,
		`{"type":"note","conversation":"c1","text":"checked"}`,
		`{"type":"typing","conversation":"c1","on":true}`,
		`{"type":"transfer","conversation":"c1","queue":"billing","note":"bill"}`,
		`{"type":"to_bot","conversation":"c1","flow":"reset_password"}`,
		`{"type":"close","conversation":"c1","resolution":"resolved"}`,
		`{"type":"presence","status":"away"}`,
		`{"type":"followup_done","id":"f1"}`,
		`{"type":"open","conversation":"c0"}`,
		`{"type":"say","conversation":"c1","id":"","text":"\ud800"}`,
		`[]`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	known := map[string]bool{typeClaim: true, typeSay: true, typeNote: true, typeTyping: true, typeTransfer: true,
		typeToBot: true, typeClose: true, typePresence: true, typeOpen: true, typeActive: true, typeFollowupDone: true}
	noConversation := map[string]bool{typePresence: true, typeActive: true, typeFollowupDone: true}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeAgentFrame(b)
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("got error %T, want *FrameError", err)
			}
			if len(fe.Message) > 200 {
				t.Fatalf("error message of %d bytes", len(fe.Message))
			}
			return
		}
		if !known[got.Type] {
			t.Fatalf("decoded unknown type %q", got.Type)
		}
		if !noConversation[got.Type] && got.Conversation == "" {
			t.Fatalf("a %s frame without a conversation was accepted", got.Type)
		}
		if got.Type == typeSay && got.ID == "" {
			t.Fatal("a say without an id was accepted")
		}
	})
}

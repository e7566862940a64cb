package bot

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/portico-chat/portico/flows"
)

// Words that work anywhere in a dialog.
var (
	agentWords   = []string{"agent", "human", "representative", "operator", "person", "agente", "humano", "representante", "operador", "persona"}
	restartWords = []string{"restart", "start over", "reiniciar", "empezar de nuevo"}
)

// maxCommandWords bounds how long a message may be and still count as
// asking for a person: "I need a human" does, a long story that happens to
// mention a person does not.
const maxCommandWords = 10

// sensitive reports whether answers to a slot must never be stored or
// echoed: passwords, and codes that prove identity.
func sensitive(s *flows.Slot) bool {
	return s != nil && s.Sensitive()
}

// command recognises the words that work anywhere.
func command(text, reply string) string {
	if reply == "agent" {
		return "agent"
	}
	w := fold(text)
	for _, r := range restartWords {
		if w == r {
			return "restart"
		}
	}
	words := strings.FieldsFunc(w, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	if len(words) == 0 || len(words) > maxCommandWords {
		return ""
	}
	for _, word := range words {
		for _, a := range agentWords {
			if word == a || word == a+"s" {
				return "agent"
			}
		}
	}
	return ""
}

// patientMessage returns the transcript entry for the patient's say, with a
// sensitive answer masked.
func patientMessage(c *Conversation, s Say, masked bool) Message {
	txt := s.Text
	if txt == "" {
		txt = s.Reply
	}
	if masked {
		txt = Masked
	}
	return Message{ConversationID: c.ID, ClientID: s.ID, From: FromPatient, Text: txt}
}

// answer handles the patient's answer to the question the conversation
// waits on.
func (t *turn) answer(f *flows.Flow, st *flows.State, s Say) error {
	st = t.offered(f, st) // a channel that cannot send is no answer
	slot := f.Slots[st.Ask]
	value, ok := t.interpret(f, st, slot, s)
	if !ok {
		t.conv.Misses++
		if max := t.e.cfg.MaxMisses; max > 0 && t.conv.Misses >= max {
			t.audit("ask.unrecognized", "failed", f.Name+"."+st.Name)
			t.handoff("", "unrecognized", f.Name+"."+st.Name, false, true)
			return nil
		}
		t.conv.Tries++
		if t.conv.Tries >= st.Tries {
			t.audit("ask.exhausted", "failed", f.Name+"."+st.Name)
			return t.advance(flows.OutcomeExhausted)
		}
		t.reprompt(f, st, slot)
		return nil
	}
	t.conv.Tries, t.conv.Misses = 0, 0
	if sensitive(slot) {
		t.secrets[st.Ask] = value
	} else {
		t.conv.Slots[st.Ask] = value
	}
	if slot != nil && slot.Type == flows.SlotChoice {
		return t.advance(value)
	}
	return t.advance(flows.OutcomeOK)
}

// interpret turns what the patient typed or tapped into a slot value.
func (t *turn) interpret(f *flows.Flow, st *flows.State, slot *flows.Slot, s Say) (string, bool) {
	if slot != nil && slot.Type == flows.SlotChoice || slot == nil && len(st.Replies) > 0 {
		return t.choose(st, s)
	}
	if s.Reply != "" && offersReply(st, s.Reply) {
		return s.Reply, true // a shortcut offered with a typed question, like "skip"
	}
	if s.Text == "" {
		return "", false
	}
	if slot == nil {
		return strings.TrimSpace(s.Text), true
	}
	v, err := flows.Normalize(slot, s.Text, t.conv.Locale, t.now)
	return v, err == nil
}

// choose matches a reply value, a reply's label, or free text naming one of
// the offered flows by its trigger phrases.
func (t *turn) choose(st *flows.State, s Say) (string, bool) {
	for _, r := range st.Replies {
		if s.Reply == r.Value {
			return r.Value, true
		}
	}
	in := fold(s.Text)
	if in == "" {
		return "", false
	}
	for _, r := range st.Replies {
		if in == fold(r.Value) || in == fold(r.Label.In(t.conv.Locale)) || in == fold(r.Label.In(English)) {
			return r.Value, true
		}
	}
	if name, ok := t.e.flows.Match(s.Text, t.conv.Locale); ok {
		for _, r := range st.Replies {
			if r.Value == name {
				return name, true
			}
		}
	}
	for _, r := range st.Replies {
		if yes(in) && r.Value == "yes" || no(in) && r.Value == "no" {
			return r.Value, true
		}
	}
	return t.chooseByWords(st, in)
}

// chooseByWords picks the one reply whose label holds every word the
// patient typed ("my name" → "My name, date of birth and ZIP code").
func (t *turn) chooseByWords(st *flows.State, in string) (string, bool) {
	words := strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) {
			return ' '
		}
		return r
	}, in))
	if len(words) == 0 {
		return "", false
	}
	found := ""
	for _, r := range st.Replies {
		label := " " + strings.Join(strings.Fields(strings.Map(func(r rune) rune {
			if unicode.IsPunct(r) {
				return ' '
			}
			return unicode.ToLower(r)
		}, r.Label.In(t.conv.Locale)+" "+r.Value)), " ") + " "
		all := true
		for _, w := range words {
			if !strings.Contains(label, " "+w+" ") {
				all = false
				break
			}
		}
		if all {
			if found != "" {
				return "", false // ambiguous
			}
			found = r.Value
		}
	}
	return found, found != ""
}

func yes(s string) bool {
	switch s {
	case "yes", "y", "yeah", "yep", "sure", "ok", "okay", "si", "sí", "claro":
		return true
	}
	return false
}

func no(s string) bool {
	switch s {
	case "no", "n", "nope", "nah":
		return true
	}
	return false
}

// fold lower-cases and trims punctuation for comparing short answers.
func fold(s string) string {
	return strings.ToLower(strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }))
}

// reprompt asks the same question again after an answer that did not fit.
func (t *turn) reprompt(f *flows.Flow, st *flows.State, slot *flows.Slot) {
	msg := st.Invalid.In(t.conv.Locale)
	if msg == "" {
		msg = defaultInvalid(slot, t.conv.Locale)
	}
	t.ask(f, st, t.fill(msg))
}

// codeLength is how many digits a code slot takes: its length, else the
// flows' default. The widget is told it (Input.Length) rather than assuming.
func codeLength(slot *flows.Slot) int {
	if slot.Length > 0 {
		return slot.Length
	}
	return flows.DefaultCodeLength
}

func defaultInvalid(slot *flows.Slot, locale string) string {
	if slot == nil {
		return text("invalid", locale)
	}
	switch slot.Type {
	case flows.SlotDate, flows.SlotZIP, flows.SlotEmail, flows.SlotPhone, flows.SlotName, flows.SlotChoice:
		return text("invalid."+slot.Type, locale)
	case flows.SlotCode:
		return strings.ReplaceAll(text("invalid.code", locale), "{length}", strconv.Itoa(codeLength(slot)))
	}
	return text("invalid", locale)
}

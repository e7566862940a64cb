package flows

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Limits of the flow language.
const (
	// MaxSourceBytes is the largest flow file Parse reads.
	MaxSourceBytes = 256 << 10
	// DefaultTries is how many answers an ask takes before "exhausted".
	DefaultTries = 3
	// MaxTries bounds an ask's tries.
	MaxTries = 10
	// DefaultCodeLength is the number of digits of a code slot.
	DefaultCodeLength = 6
	minCodeLength     = 4
	maxCodeLength     = 12
	// maxStates bounds a flow's size; the built-ins have about twenty.
	maxStates = 500
)

// Keys of a flow file, a slot and a state.
var (
	flowKeys  = []string{"name", "title", "triggers", "slots", "start", "states"}
	slotKeys  = []string{"type", "autocomplete", "hint", "length"}
	slotTypes = []string{SlotText, SlotName, SlotDate, SlotZIP, SlotEmail, SlotPhone, SlotCode, SlotToken, SlotSecret, SlotChoice}
)

// autocompleteRE is the shape of an HTML autocomplete token.
var autocompleteRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// parser holds what one Parse call has found so far.
type parser struct {
	r     reporter
	cat   Catalog
	f     *Flow
	src   map[string]*stateSource // where each state's parts are
	texts []textRef               // every text, for placeholder checks
	root  Pos
}

// Parse reads one flow file, validates it against the action catalog and
// compiles its transitions. It reports every problem it finds, as
// Problems, each at its line and column in file. Checks that need other
// flows (call and goto targets, call outcomes, the verification property)
// are made by ParseSet.
func Parse(file string, src []byte, cat Catalog) (*Flow, error) {
	p := &parser{r: reporter{file: file}, cat: cat, src: map[string]*stateSource{}, root: Pos{1, 1}}
	p.f = &Flow{File: file, Source: src, Slots: map[string]*Slot{}, States: map[string]*State{}}
	root := p.document(src)
	if root == nil {
		return nil, p.r.err()
	}
	p.top(root)
	p.validate()
	if err := p.r.err(); err != nil {
		return nil, err
	}
	p.f.src = p.src
	p.f.compile()
	return p.f, nil
}

// document decodes src into the root mapping node, reporting syntax errors.
func (p *parser) document(src []byte) *yaml.Node {
	if len(src) > MaxSourceBytes {
		p.r.add(p.root, "the file is %d bytes; flow files are at most %d", len(src), MaxSourceBytes)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.r.add(p.root, "the file is empty")
		} else {
			p.r.add(syntaxPos(err), "%s", syntaxMsg(err))
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		p.r.add(posOf(&extra), "a flow file holds one YAML document; remove the second \"---\"")
	case !errors.Is(err, io.EOF):
		p.r.add(syntaxPos(err), "%s", syntaxMsg(err))
	}
	if len(doc.Content) == 0 {
		p.r.add(p.root, "the file is empty")
		return nil
	}
	root := doc.Content[0]
	p.root = posOf(root)
	if !p.noAliases(root, 0) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.r.add(posOf(root), "a flow file must be a mapping with name, start and states, not %s", kindName(root))
		return nil
	}
	return root
}

// syntaxLineRE finds the line in yaml.v3's syntax errors, which carry no column.
var syntaxLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxPos(err error) Pos {
	if m := syntaxLineRE.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			return Pos{Line: n, Col: 1}
		}
	}
	return Pos{Line: 1, Col: 1}
}

func syntaxMsg(err error) string {
	if m := syntaxLineRE.FindStringSubmatch(err.Error()); m != nil {
		return "YAML syntax: " + m[2]
	}
	msg := err.Error()
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return "YAML syntax: " + msg
}

// top reads the flow's top-level keys.
func (p *parser) top(root *yaml.Node) {
	pairs, _ := p.mapping(root, "the flow")
	p.known(pairs, flowKeys, "the flow")
	var states *yaml.Node
	var start *yaml.Node
	seen := map[string]bool{}
	for _, kv := range pairs {
		seen[kv.key.Value] = true
		switch kv.key.Value {
		case "name":
			p.f.Name, _ = p.ident(kv.val, "the flow name")
			p.f.namePos = posOf(kv.val)
		case "title":
			p.f.Title = p.text(kv.val, "title")
		case "triggers":
			p.triggers(kv.val)
		case "slots":
			p.slots(kv.val)
		case "start":
			start = kv.val
		case "states":
			states = kv.val
		}
	}
	for _, k := range []string{"name", "start", "states"} {
		if !seen[k] {
			p.r.add(p.root, "missing %q", k)
		}
	}
	if states != nil {
		p.states(states)
	}
	if start != nil {
		if s, ok := p.ident(start, "start"); ok {
			p.f.Start = s
			if states != nil && len(p.f.States) > 0 && p.f.States[s] == nil {
				p.r.add(posOf(start), "start state %q does not exist%s", s, suggest(s, p.f.Order))
			}
		}
	}
}

// maxTriggerLen bounds one trigger phrase.
const maxTriggerLen = 100

func (p *parser) triggers(n *yaml.Node) {
	pairs, ok := p.mapping(n, "triggers")
	if !ok {
		return
	}
	p.f.Triggers = map[string][]string{}
	for _, kv := range pairs {
		if !localeRE.MatchString(kv.key.Value) {
			p.r.add(posOf(kv.key), "%q is not a locale (use en, es …)", kv.key.Value)
			continue
		}
		if kv.val.Kind != yaml.SequenceNode {
			p.r.add(posOf(kv.val), "triggers for %q must be a list of phrases, not %s", kv.key.Value, kindName(kv.val))
			continue
		}
		for _, item := range kv.val.Content {
			s, ok := p.str(item, "a trigger phrase")
			if !ok {
				continue
			}
			if len(s) > maxTriggerLen || len(words(s)) == 0 {
				p.r.add(posOf(item), "trigger phrase %q must have words and at most %d characters", s, maxTriggerLen)
				continue
			}
			p.f.Triggers[kv.key.Value] = append(p.f.Triggers[kv.key.Value], s)
		}
	}
}

func (p *parser) slots(n *yaml.Node) {
	pairs, ok := p.mapping(n, "slots")
	if !ok {
		return
	}
	for _, kv := range pairs {
		if !p.keyIdent(kv.key, "slot name") {
			continue
		}
		name := kv.key.Value
		what := "slot " + strconv.Quote(name)
		s := &Slot{Name: name, Pos: posOf(kv.key)}
		attrs, ok := p.mapping(kv.val, what)
		if !ok {
			continue
		}
		p.known(attrs, slotKeys, what)
		var lengthPos *yaml.Node
		for _, a := range attrs {
			switch a.key.Value {
			case "type":
				t, ok := p.str(a.val, "slot type")
				if !ok {
					continue
				}
				if !contains(slotTypes, t) {
					p.r.add(posOf(a.val), "unknown slot type %q%s; types are %s", t, suggest(t, slotTypes), quoted(slotTypes))
					continue
				}
				s.Type = t
			case "autocomplete":
				if v, ok := p.str(a.val, "autocomplete"); ok {
					if !autocompleteRE.MatchString(v) {
						p.r.add(posOf(a.val), "autocomplete %q is not an HTML autocomplete token", v)
					}
					s.Autocomplete = v
				}
			case "hint":
				s.Hint = p.text(a.val, "hint")
			case "length":
				lengthPos = a.val
				s.Length, _ = p.integer(a.val, "length", minCodeLength, maxCodeLength)
			}
		}
		if s.Type == "" && !hasKey(attrs, "type") {
			p.r.add(posOf(kv.key), "slot %q has no type", name)
		}
		if lengthPos != nil && s.Type != "" && s.Type != SlotCode {
			p.r.add(posOf(lengthPos), "length is only for code slots")
		}
		if s.Type == SlotCode && s.Length == 0 {
			s.Length = DefaultCodeLength
		}
		p.f.Slots[name] = s
	}
}

func hasKey(pairs []pair, key string) bool {
	for _, kv := range pairs {
		if kv.key.Value == key {
			return true
		}
	}
	return false
}

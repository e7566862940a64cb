package flows

import (
	"slices"
	"sort"
)

// validate makes the checks that need the whole flow: slots, actions,
// branches, targets, placeholders and reachability. It runs only when the
// file read cleanly, so every state has a kind.
func (p *parser) validate() {
	f := p.f
	p.outputSlots()
	for _, name := range f.Order {
		st, src := f.States[name], p.src[name]
		switch st.Kind {
		case KindAsk:
			p.validateAsk(st, src)
		case KindAction:
			p.validateAction(st, src)
		}
		p.validateBranches(st, src)
	}
	p.validatePlaceholders()
	p.validateReachable()
}

// outputSlots declares the outputs of the actions the flow uses as text
// slots, unless the flow declares them itself.
func (p *parser) outputSlots() {
	for _, name := range p.f.Order {
		st := p.f.States[name]
		spec, ok := p.cat[st.Action]
		if st.Kind != KindAction || !ok {
			continue
		}
		for _, out := range spec.Outputs {
			if _, declared := p.f.Slots[out]; !declared {
				p.f.Slots[out] = &Slot{Name: out, Type: SlotText, Pos: st.Pos}
			}
		}
	}
}

func (p *parser) slotNames() []string {
	names := make([]string, 0, len(p.f.Slots))
	for n := range p.f.Slots {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (p *parser) validateAsk(st *State, src *stateSource) {
	slot, ok := p.f.Slots[st.Ask]
	if !ok {
		p.r.add(src.kindPos, "unknown slot %q%s", st.Ask, suggest(st.Ask, p.slotNames()))
		return
	}
	if slot.Type == SlotChoice {
		if len(st.Replies) == 0 {
			p.r.add(src.kindPos, "state %q asks for choice slot %q but offers no replies", st.Name, st.Ask)
		}
		return
	}
	if pos, has := src.keys["replies"]; has {
		p.r.add(pos, "replies are only for asks of a choice slot; %q is a %s slot", st.Ask, slot.Type)
	}
}

func (p *parser) validateAction(st *State, src *stateSource) {
	spec, ok := p.cat[st.Action]
	if !ok {
		p.r.add(src.kindPos, "unknown action %q%s", st.Action, suggest(st.Action, p.cat.names()))
		return
	}
	for _, in := range spec.Inputs {
		if _, bound := st.With[in]; !bound {
			p.r.add(src.kindPos, "action %q needs input %q: bind it to a slot with \"with\"", st.Action, in)
		}
	}
	for _, in := range sortedKeys(st.With) {
		if !contains(spec.Inputs, in) {
			p.r.add(src.with[in], "action %q has no input %q%s", st.Action, in, suggest(in, spec.Inputs))
			continue
		}
		slot := st.With[in]
		if _, ok := p.f.Slots[slot]; !ok {
			p.r.add(src.withSlot[in], "unknown slot %q%s", slot, suggest(slot, p.slotNames()))
		}
	}
}

// outcomes returns what st can branch on, and false when only the set
// knows (a call's outcomes are its callee's return values).
func (p *parser) outcomes(st *State) ([]string, bool) {
	switch st.Kind {
	case KindSay:
		return []string{OutcomeOK}, true
	case KindAsk:
		slot, ok := p.f.Slots[st.Ask]
		if !ok {
			return nil, false
		}
		if slot.Type != SlotChoice {
			return []string{OutcomeOK, OutcomeExhausted}, true
		}
		out := make([]string, 0, len(st.Replies)+1)
		for _, r := range st.Replies {
			out = append(out, r.Value)
		}
		return append(out, OutcomeExhausted), true
	case KindAction:
		spec, ok := p.cat[st.Action]
		return spec.Outcomes, ok
	case KindCall:
		return nil, false
	default:
		return nil, true // terminal states branch on nothing
	}
}

func (p *parser) validateBranches(st *State, src *stateSource) {
	for _, o := range sortedKeys(st.On) {
		target := st.On[o]
		if _, ok := p.f.States[target]; !ok {
			p.r.add(src.onTarget[o], "state %q goes to unknown state %q%s", st.Name, target, suggest(target, p.f.Order))
		}
	}
	outcomes, known := p.outcomes(st)
	switch {
	case st.Kind == KindSay && st.On[OutcomeOK] == "":
		p.r.add(src.key, "state %q has no way out: add next, or end, handoff, return or goto", st.Name)
		return
	case st.Kind == KindCall && len(st.On) == 0:
		p.r.add(src.key, "state %q has no way out: add on with the outcomes of flow %q", st.Name, st.Call)
		return
	case !known:
		return
	}
	for _, o := range outcomes {
		if _, ok := st.On[o]; ok {
			continue
		}
		switch {
		case st.Kind == KindAction:
			p.r.add(src.key, "state %q has no branch for outcome %q of action %q", st.Name, o, st.Action)
		case o == OutcomeExhausted:
			p.r.add(src.key, "state %q has no branch for %q (after %d answers that do not fit)", st.Name, o, st.Tries)
		case st.Kind == KindAsk && o != OutcomeOK:
			p.r.add(src.key, "state %q has no branch for reply %q", st.Name, o)
		default:
			p.r.add(src.key, "state %q has no branch for %q", st.Name, o)
		}
	}
	for _, o := range sortedKeys(st.On) {
		if contains(outcomes, o) {
			continue
		}
		switch st.Kind {
		case KindAction:
			p.r.add(src.on[o], "action %q has no outcome %q%s; it has %s", st.Action, o, suggest(o, outcomes), quoted(outcomes))
		default:
			p.r.add(src.on[o], "a %s state has no outcome %q%s; it has %s", st.Kind, o, suggest(o, outcomes), quoted(outcomes))
		}
	}
}

// validatePlaceholders checks that every {slot} names a slot that may be
// shown: one the flow knows and that is not secret.
func (p *parser) validatePlaceholders() {
	for _, ref := range p.texts {
		for _, loc := range ref.text.Locales() {
			for _, m := range placeholderRE.FindAllStringSubmatch(ref.text[loc], -1) {
				name := m[1]
				slot, ok := p.f.Slots[name]
				switch {
				case !ok && slices.Contains(EngineValues, name):
				case !ok:
					p.r.add(ref.pos[loc], "unknown slot %q in placeholder {%s}%s", name, name, suggest(name, append(p.slotNames(), EngineValues...)))
				case slot.Sensitive():
					p.r.add(ref.pos[loc], "slot %q is %s and must never be shown: remove {%s}", name, slot.Type, name)
				}
			}
		}
	}
}

// validateReachable reports states no path from start reaches.
func (p *parser) validateReachable() {
	f := p.f
	if f.States[f.Start] == nil {
		return
	}
	seen := map[string]bool{f.Start: true}
	queue := []string{f.Start}
	for len(queue) > 0 {
		st := f.States[queue[0]]
		queue = queue[1:]
		for _, o := range sortedKeys(st.On) {
			t := st.On[o]
			if !seen[t] && f.States[t] != nil {
				seen[t] = true
				queue = append(queue, t)
			}
		}
	}
	for _, name := range f.Order {
		if !seen[name] {
			p.r.add(p.src[name].key, "state %q cannot be reached from start %q", name, f.Start)
		}
	}
}

func (c Catalog) names() []string {
	return sortedKeys(c)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

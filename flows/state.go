package flows

import (
	"fmt"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// stateKeys are every key a state may have; kindKeys are those that say
// what the state does (at most one per state).
var (
	stateKeys = []string{"say", "replies", "ask", "invalid", "tries", "action", "with",
		"call", "goto", "handoff", "end", "return", "on", "next"}
	kindKeys    = []string{"ask", "action", "call", "goto", "handoff", "end", "return"}
	replyKeys   = []string{"value", "label"}
	handoffKeys = []string{"queue", "reason"}
	resolutions = []string{"resolved", "unresolved", "abandoned", "handed_off"}
)

// MaxQueueNameLen is the longest queue name, in bytes.
const MaxQueueNameLen = 64

// QueueNamePattern is what a queue may be called ("portal-support"): the
// one rule for flows' handoff states, the queues an admin adds, transfers
// and agents' queue lists (bot uses it). The admin page uses it as its
// HTML pattern, hence the escaped hyphen.
var QueueNamePattern = fmt.Sprintf(`[a-z0-9][a-z0-9._\-]{0,%d}`, MaxQueueNameLen-1)

var queueRE = regexp.MustCompile(`^` + QueueNamePattern + `$`)

// ValidQueueName reports whether name may name a queue.
func ValidQueueName(name string) bool { return queueRE.MatchString(name) }

// stateSource remembers where a state's parts are in the file, so that
// validation problems point at the right line and column.
type stateSource struct {
	key      Pos            // the state's name
	kindPos  Pos            // the value of its kind key
	on       map[string]Pos // outcome → position of the key in on
	onTarget map[string]Pos // outcome → position of the target
	with     map[string]Pos // input → position of the key in with
	withSlot map[string]Pos // input → position of the slot name
	keys     map[string]Pos // every key the state has
	replies  map[string]Pos // reply value → position
	kinds    []string       // kind keys present, in file order
	next     *yaml.Node
}

func (p *parser) states(n *yaml.Node) {
	pairs, ok := p.mapping(n, "states")
	if !ok {
		return
	}
	if len(pairs) == 0 {
		p.r.add(posOf(n), "a flow needs at least one state")
		return
	}
	if len(pairs) > maxStates {
		p.r.add(posOf(n), "a flow has at most %d states, this one has %d", maxStates, len(pairs))
		return
	}
	for _, kv := range pairs {
		if !p.keyIdent(kv.key, "state name") {
			continue
		}
		p.state(kv.key, kv.val)
	}
}

// state reads one state. Checks that need the whole flow (targets,
// branches, slots) are made later by validate.
func (p *parser) state(key, n *yaml.Node) {
	name := key.Value
	what := "state " + strconv.Quote(name)
	st := &State{Name: name, Pos: posOf(key)}
	src := &stateSource{key: posOf(key), keys: map[string]Pos{}, on: map[string]Pos{},
		onTarget: map[string]Pos{}, with: map[string]Pos{}, withSlot: map[string]Pos{}, replies: map[string]Pos{}}
	p.f.States[name] = st
	p.f.Order = append(p.f.Order, name)
	p.src[name] = src

	pairs, ok := p.mapping(n, what)
	if !ok {
		st.Kind = KindEnd // keep later checks quiet about a state already reported
		return
	}
	p.known(pairs, stateKeys, what)
	for _, kv := range pairs {
		k := kv.key.Value
		src.keys[k] = posOf(kv.key)
		if contains(kindKeys, k) {
			src.kinds = append(src.kinds, k)
			src.kindPos = posOf(kv.val)
		}
		switch k {
		case "say":
			st.Say = p.text(kv.val, "say")
		case "invalid":
			st.Invalid = p.text(kv.val, "invalid")
		case "tries":
			st.Tries, _ = p.integer(kv.val, "tries", 1, MaxTries)
		case "replies":
			st.Replies = p.replies(kv.val, src)
		case "ask":
			st.Ask, _ = p.ident(kv.val, "ask")
		case "action":
			st.Action, _ = p.ident(kv.val, "action")
		case "with":
			st.With = p.with(kv.val, src)
		case "call":
			st.Call, _ = p.ident(kv.val, "call")
		case "goto":
			st.Goto, _ = p.ident(kv.val, "goto")
		case "handoff":
			p.handoff(kv.val, st)
		case "end":
			if v, ok := p.str(kv.val, "end"); ok {
				if !contains(resolutions, v) {
					p.r.add(posOf(kv.val), "unknown resolution %q%s; use %s", v, suggest(v, resolutions), quoted(resolutions))
				}
				st.End = v
			}
		case "return":
			st.Return, _ = p.ident(kv.val, "return")
		case "on":
			st.On = p.on(kv.val, st, src)
		case "next":
			src.next = kv.val
		}
	}
	p.kind(st, src, what)
	if src.next != nil {
		if _, both := src.keys["on"]; both {
			p.r.add(posOf(src.next), "%s has both next and on; next is short for on: {ok: ...}", what)
		} else if target, ok := p.ident(src.next, "next"); ok {
			st.On = map[string]string{OutcomeOK: target}
			src.on[OutcomeOK] = posOf(src.next)
			src.onTarget[OutcomeOK] = posOf(src.next)
		}
	}
	if st.Kind == KindAsk && st.Tries == 0 {
		st.Tries = DefaultTries
	}
}

// kind decides what the state does, and reports keys that do not belong
// to that kind.
func (p *parser) kind(st *State, src *stateSource, what string) {
	switch len(src.kinds) {
	case 0:
		if st.Say == nil {
			p.r.add(src.key, "%s does nothing: give it say, ask, action, call, goto, handoff, end or return", what)
			st.Kind = KindEnd
			return
		}
		st.Kind = KindSay
	case 1:
		st.Kind = Kind(src.kinds[0])
	default:
		p.r.add(src.keys[src.kinds[1]], "%s has both %q and %q; a state does one thing", what, src.kinds[0], src.kinds[1])
		st.Kind = Kind(src.kinds[0])
		return
	}
	only := func(key string, kinds ...Kind) {
		pos, has := src.keys[key]
		if !has {
			return
		}
		for _, k := range kinds {
			if st.Kind == k {
				return
			}
		}
		p.r.add(pos, "%q does not belong in a %s state", key, st.Kind)
	}
	only("invalid", KindAsk)
	only("tries", KindAsk)
	only("replies", KindAsk)
	only("with", KindAction)
	only("next", KindSay)
	only("on", KindSay, KindAsk, KindAction, KindCall)
}

func (p *parser) replies(n *yaml.Node, src *stateSource) []Reply {
	if n.Kind != yaml.SequenceNode {
		p.r.add(posOf(n), "replies must be a list, not %s", kindName(n))
		return nil
	}
	var out []Reply
	for _, item := range n.Content {
		pairs, ok := p.mapping(item, "a reply")
		if !ok {
			continue
		}
		p.known(pairs, replyKeys, "a reply")
		r := Reply{}
		for _, kv := range pairs {
			switch kv.key.Value {
			case "value":
				v, ok := p.ident(kv.val, "reply value")
				if !ok {
					continue
				}
				if first, dup := src.replies[v]; dup {
					p.r.add(posOf(kv.val), "reply %q appears twice (first at line %d)", v, first.Line)
					continue
				}
				src.replies[v] = posOf(kv.val)
				r.Value = v
			case "label":
				r.Label = p.text(kv.val, "label")
			}
		}
		if !hasKey(pairs, "value") {
			p.r.add(posOf(item), "a reply needs a value")
		}
		if !hasKey(pairs, "label") {
			p.r.add(posOf(item), "a reply needs a label")
		}
		if r.Value != "" {
			out = append(out, r)
		}
	}
	return out
}

func (p *parser) with(n *yaml.Node, src *stateSource) map[string]string {
	pairs, ok := p.mapping(n, "with")
	if !ok {
		return nil
	}
	w := map[string]string{}
	for _, kv := range pairs {
		slot, ok := p.ident(kv.val, "the slot for input "+strconv.Quote(kv.key.Value))
		if !ok {
			continue
		}
		w[kv.key.Value] = slot
		src.with[kv.key.Value] = posOf(kv.key)
		src.withSlot[kv.key.Value] = posOf(kv.val)
	}
	return w
}

func (p *parser) handoff(n *yaml.Node, st *State) {
	pairs, ok := p.mapping(n, "handoff")
	if !ok {
		return
	}
	p.known(pairs, handoffKeys, "handoff")
	for _, kv := range pairs {
		switch kv.key.Value {
		case "queue":
			if q, ok := p.str(kv.val, "queue"); ok {
				if !ValidQueueName(q) {
					p.r.add(posOf(kv.val), "queue %q must be 1 to %d lowercase letters, digits, '.', '-' and '_'", q, MaxQueueNameLen)
				}
				st.Queue = q
			}
		case "reason":
			st.Reason, _ = p.ident(kv.val, "reason")
		}
	}
	for _, k := range handoffKeys {
		if !hasKey(pairs, k) {
			p.r.add(posOf(n), "handoff needs a %s", k)
		}
	}
}

func (p *parser) on(n *yaml.Node, st *State, src *stateSource) map[string]string {
	pairs, ok := p.mapping(n, "on")
	if !ok {
		return nil
	}
	on := map[string]string{}
	for _, kv := range pairs {
		if !p.keyIdent(kv.key, "outcome") {
			continue
		}
		target, ok := p.ident(kv.val, "the target of "+strconv.Quote(kv.key.Value))
		if !ok {
			continue
		}
		on[kv.key.Value] = target
		src.on[kv.key.Value] = posOf(kv.key)
		src.onTarget[kv.key.Value] = posOf(kv.val)
	}
	return on
}

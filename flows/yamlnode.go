package flows

import (
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// identRE is what names of flows, states, slots, outcomes, reply values
// and handoff reasons look like: safe in placeholders, FSM events and logs.
var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// maxIdentLen bounds every name in a flow file.
const maxIdentLen = 64

// pair is one key and its value in a YAML mapping.
type pair struct {
	key, val *yaml.Node
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// kindName says what a node is, for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return "a single value"
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a document"
	}
}

// mapping returns n's key/value pairs in order, reporting a node that is
// not a mapping, keys that are not plain names, and duplicate keys.
// Duplicates are dropped so later checks see each key once.
func (p *parser) mapping(n *yaml.Node, what string) ([]pair, bool) {
	if n.Kind != yaml.MappingNode {
		p.r.add(posOf(n), "%s must be a mapping, not %s", what, kindName(n))
		return nil, false
	}
	seen := make(map[string]Pos, len(n.Content)/2)
	pairs := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.r.add(posOf(k), "keys in %s must be plain names, not %s", what, kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.r.add(posOf(k), "duplicate key %q in %s (first at line %d)", k.Value, what, first.Line)
			continue
		}
		seen[k.Value] = posOf(k)
		pairs = append(pairs, pair{k, v})
	}
	return pairs, true
}

// known reports keys not in allowed, with a suggestion for misspellings.
func (p *parser) known(pairs []pair, allowed []string, what string) {
	for _, kv := range pairs {
		if !contains(allowed, kv.key.Value) {
			p.r.add(posOf(kv.key), "unknown key %q in %s%s", kv.key.Value, what, suggest(kv.key.Value, allowed))
		}
	}
}

// str returns the value of a scalar, reporting anything else.
func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.r.add(posOf(n), "%s must be a single value, not %s", what, kindName(n))
		return "", false
	}
	if n.Value == "" {
		p.r.add(posOf(n), "%s is empty", what)
		return "", false
	}
	return n.Value, true
}

// ident returns a scalar that must be a name (see identRE).
func (p *parser) ident(n *yaml.Node, what string) (string, bool) {
	s, ok := p.str(n, what)
	if !ok {
		return "", false
	}
	if len(s) > maxIdentLen || !identRE.MatchString(s) {
		p.r.add(posOf(n), "%s %q must be lowercase letters, digits and _, starting with a letter (at most %d)", what, s, maxIdentLen)
		return "", false
	}
	return s, true
}

// keyIdent checks that a mapping key is a name.
func (p *parser) keyIdent(k *yaml.Node, what string) bool {
	if len(k.Value) > maxIdentLen || !identRE.MatchString(k.Value) {
		p.r.add(posOf(k), "%s %q must be lowercase letters, digits and _, starting with a letter (at most %d)", what, k.Value, maxIdentLen)
		return false
	}
	return true
}

// integer returns a scalar integer within [lo, hi].
func (p *parser) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.r.add(posOf(n), "%s must be a whole number", what)
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < lo || v > hi {
		p.r.add(posOf(n), "%s must be between %d and %d", what, lo, hi)
		return 0, false
	}
	return v, true
}

// noAliases reports every anchor alias under n and returns false if it
// found one. Flow files do not use them, and refusing them keeps the walk
// finite whatever the input.
func (p *parser) noAliases(n *yaml.Node, depth int) bool {
	if depth > maxDepth {
		p.r.add(posOf(n), "the file is nested too deeply (more than %d levels)", maxDepth)
		return false
	}
	if n.Kind == yaml.AliasNode {
		p.r.add(posOf(n), "aliases (*name) are not supported in flow files")
		return false
	}
	ok := true
	for _, c := range n.Content {
		ok = p.noAliases(c, depth+1) && ok
	}
	return ok
}

// maxDepth bounds nesting; a flow file needs about six levels.
const maxDepth = 32

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package flowadmin

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// Diagram draws flow name as SVG: which is a version number, "current"
// or "draft". Every state is a node whose group carries id
// "state-<name>", data-state and data-line (the state's line in the
// source), so the editor can jump to it; every transition is an edge
// labelled by its outcome. A draft with problems cannot be drawn
// (EINVALID): the editor shows its problems instead.
func (s *Service) Diagram(ctx context.Context, name, which string) ([]byte, error) {
	src, err := s.sourceOf(ctx, name, which)
	if err != nil {
		return nil, err
	}
	// A version is drawn alone: the flows it calls may have changed since.
	f, err := flows.Parse(name+".yaml", src.src, bot.Catalog())
	if err != nil {
		return nil, bot.Errorf(bot.EINVALID, "the %s has problems; fix them to see its diagram", src.label)
	}
	return s.diagrams.render(ctx, f)
}

// Node shapes by kind: questions rounded, actions and calls boxed, ends
// and returns double-bordered ovals, handoffs octagons, gotos arrows.
var kindStyle = map[flows.Kind]string{
	flows.KindAsk:     `shape=box, style="rounded,filled", fillcolor="#e8f1fb"`,
	flows.KindSay:     `shape=box, style="rounded"`,
	flows.KindAction:  `shape=box, style="filled", fillcolor="#fdf3dc"`,
	flows.KindCall:    `shape=box, peripheries=2`,
	flows.KindGoto:    `shape=cds, style="filled", fillcolor="#eeeeee", margin="0.16,0.11"`, // a cds is short for two lines
	flows.KindHandoff: `shape=octagon, style="filled", fillcolor="#fde2e1"`,
	flows.KindEnd:     `shape=ellipse, peripheries=2, style="filled", fillcolor="#e3f5e1"`,
	flows.KindReturn:  `shape=ellipse, peripheries=2`,
}

// dot writes the flow as a Graphviz graph.
func dot(f *flows.Flow) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "digraph %s {\n", quote(f.Name))
	// pad keeps the outermost nodes off the drawing's edge; the margin
	// leaves room for text a browser's font draws a little wider than
	// Graphviz measured.
	b.WriteString("  graph [rankdir=TB, nodesep=0.4, ranksep=0.5, pad=0.2, fontname=\"Helvetica\"];\n")
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=11, margin=\"0.16,0.07\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  \"__start\" [id=\"start\", shape=point, width=0.15, label=\"\"];\n")
	fmt.Fprintf(&b, "  \"__start\" -> %s [id=\"edge-start\"];\n", quote("s_"+f.Start))
	for _, name := range f.Order {
		st := f.States[name]
		fmt.Fprintf(&b, "  %s [id=%s, class=%s, label=%s, tooltip=%s, %s];\n",
			quote("s_"+name), quote("state-"+name), quote("state kind-"+string(st.Kind)),
			quote(name+"\n"+detail(st)), quote(fmt.Sprintf("%s (line %d)", name, st.Pos.Line)), kindStyle[st.Kind])
	}
	for _, name := range f.Order {
		for _, outcome := range f.Outcomes(name) {
			next, _ := f.Next(name, outcome)
			fmt.Fprintf(&b, "  %s -> %s [id=%s, class=%s, label=%s];\n", quote("s_"+name), quote("s_"+next),
				quote("edge-"+name+"-"+outcome), quote("outcome"), quote(outcome))
		}
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// detail is a node's second line: what the state does.
func detail(st *flows.State) string {
	switch st.Kind {
	case flows.KindAsk:
		return "ask " + st.Ask
	case flows.KindAction:
		return "action " + st.Action
	case flows.KindCall:
		return "call " + st.Call
	case flows.KindGoto:
		return "goto " + st.Goto
	case flows.KindHandoff:
		return "handoff " + st.Queue
	case flows.KindEnd:
		return "end: " + st.End
	case flows.KindReturn:
		return "return " + st.Return
	}
	return string(st.Kind)
}

// quote is a DOT string; names are identifiers, but quote them properly
// anyway.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// groupRE finds the SVG groups Graphviz writes for nodes and edges, whose
// id and class it writes with "-" escaped as "&#45;".
var groupRE = regexp.MustCompile(`<g id="([^"]*)" class="([^"]*)">`)

// annotate unescapes the groups' ids and classes and gives each state's
// group data-state and data-line attributes, which Graphviz cannot write.
func annotate(svg []byte, f *flows.Flow) []byte {
	return groupRE.ReplaceAllFunc(svg, func(m []byte) []byte {
		sub := groupRE.FindSubmatch(m)
		id := strings.ReplaceAll(string(sub[1]), "&#45;", "-")
		class := strings.ReplaceAll(string(sub[2]), "&#45;", "-")
		data := ""
		if name, ok := strings.CutPrefix(id, "state-"); ok {
			if st, ok := f.States[name]; ok {
				data = ` data-state="` + name + `" data-line="` + strconv.Itoa(st.Pos.Line) + `"`
			}
		}
		return []byte(`<g id="` + id + `"` + data + ` class="` + class + `">`)
	})
}

// renderer owns one Graphviz instance (a WebAssembly module, slow to
// start and not safe for concurrent use), made on first use.
type renderer struct {
	mu sync.Mutex
	gv *graphviz.Graphviz
}

func newRenderer() *renderer { return &renderer{} }

func (r *renderer) render(ctx context.Context, f *flows.Flow) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gv == nil {
		gv, err := graphviz.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("start graphviz: %w", err)
		}
		r.gv = gv
	}
	g, err := graphviz.ParseBytes(dot(f))
	if err != nil {
		return nil, fmt.Errorf("diagram of %s: %w", f.Name, err)
	}
	defer g.Close()
	var out bytes.Buffer
	if err := r.gv.Render(ctx, g, graphviz.SVG, &out); err != nil {
		return nil, fmt.Errorf("diagram of %s: %w", f.Name, err)
	}
	return annotate(out.Bytes(), f), nil
}

func (r *renderer) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gv == nil {
		return nil
	}
	err := r.gv.Close()
	r.gv = nil
	return err
}

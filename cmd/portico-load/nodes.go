package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Several nodes: -url may list the nodes of one deployment, comma
// separated, and the load is spread over them as a load balancer without
// sticky sessions would: each new socket goes to the next node, in turn.
// The first node also answers for the run (stats' PID, the agents'
// accounts); the CPU reported is every node's.

// node is one server of the deployment under load.
type node struct {
	base   *url.URL
	ws     string
	origin string
	pid    int
}

// parseNodes reads -url's list.
func parseNodes(raw, origin string) ([]node, error) {
	var out []node
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		u, err := loopbackOnly(s)
		if err != nil {
			return nil, err
		}
		o := origin
		if o == "" {
			o = u.Scheme + "://" + u.Host
		}
		out = append(out, node{base: u, ws: wsURL(u), origin: o})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-url: no server given")
	}
	return out, nil
}

// nodePIDs reads every node's PID from its /debug/stats.
func nodePIDs(ctx context.Context, ns []node) error {
	for i := range ns {
		s, err := fetchStats(ctx, ns[i].base, false)
		if err != nil {
			return fmt.Errorf("%s: %w", ns[i].base, err)
		}
		ns[i].pid = s.PID
	}
	return nil
}

// pick returns the node the next socket goes to.
func (e *env) pick() node {
	if len(e.nodes) == 0 {
		return node{base: e.base, ws: e.ws, origin: e.origin}
	}
	return e.nodes[int(e.turn.Add(1)-1)%len(e.nodes)]
}

// bases are the nodes' base URLs (the one server's, when there is one).
func (e *env) bases() []*url.URL {
	if len(e.nodes) == 0 {
		return []*url.URL{e.base}
	}
	out := make([]*url.URL, len(e.nodes))
	for i, n := range e.nodes {
		out[i] = n.base
	}
	return out
}

// otherPIDs are the nodes' PIDs besides pid, for the CPU meters.
func (e *env) otherPIDs(pid int) []int {
	var out []int
	for _, n := range e.nodes {
		if n.pid != pid && n.pid != 0 {
			out = append(out, n.pid)
		}
	}
	return out
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portico-chat/portico/connectors/web/client"
)

// Default sizes of the standard set (make bench), chosen to finish within
// about five minutes on a 2-core machine.
const (
	defaultIdle        = 10_000
	defaultIdleMax     = 50_000 // Portico's own idle run, for the growth table
	defaultActive      = 1_000
	defaultRate        = 500 // turns/s for the 1,000 active patients: one turn every 2 s each
	defaultTurnTimeout = 15 * time.Second
	maxRunTime         = 15 * time.Minute // the whole run, whatever the flags say
	httpPoolSize       = 256
)

// allScenarios in the order they run.
var allScenarios = []string{"baseline", "idle", "throughput", "dialogs", "growth", "resets", "handoff", "churn"}

// options are run's flags.
type options struct {
	url, origin, patients, out string
	scenarios                  []string
	idle, idleMax              int
	growth                     []int
	growthFor                  time.Duration
	idleHold                   time.Duration
	active                     int
	rate                       float64
	dialogFor                  time.Duration
	throughputFor              time.Duration
	throughputConns            int
	resets, background         int
	bgRate                     float64
	settle                     time.Duration
	rawFor                     time.Duration
	handoff                    int
	agents                     agentOptions
	churn                      int
	churnWithin                time.Duration
	sources                    int
	turnTimeout                time.Duration
}

func parseOptions(args []string) (options, error) {
	var o options
	var scen string
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "server base URL (127.0.0.0/8 only; demo mode); several, comma-separated, spread the load over a deployment's nodes")
	fs.StringVar(&o.origin, "origin", "", "Origin header (default: the server's own origin)")
	fs.StringVar(&o.patients, "patients", "", "CSV of the imported patients (portico-load patients)")
	fs.StringVar(&o.out, "out", "", "write OUT.json, OUT.md and OUT.svg (default: JSON on stdout only)")
	fs.StringVar(&scen, "scenarios", strings.Join(allScenarios, ","), "comma-separated: "+strings.Join(allScenarios, ","))
	fs.IntVar(&o.idle, "idle", defaultIdle, "idle: connections to open (the echo baselines; Portico's target is judged at this many)")
	fs.IntVar(&o.idleMax, "idle-max", defaultIdleMax, "idle: connections Portico's run goes on to (steps at 1k, 10k and this; capped by the open-files limit)")
	var growth string
	fs.StringVar(&growth, "growth", "100,5000", "growth: active patient counts to run besides the dialogs' -active, each at the dialogs' rate per patient")
	fs.DurationVar(&o.growthFor, "growth-for", 15*time.Second, "growth: duration of each count")
	fs.DurationVar(&o.idleHold, "idle-hold", 5*time.Second, "idle: how long to hold them (CPU while idle)")
	fs.IntVar(&o.active, "active", defaultActive, "dialogs: concurrently active patients")
	fs.Float64Var(&o.rate, "rate", defaultRate, "dialogs: open-loop arrival rate, turns/s in all")
	fs.DurationVar(&o.dialogFor, "dialogs-for", 30*time.Second, "dialogs: duration")
	fs.DurationVar(&o.throughputFor, "throughput-for", 10*time.Second, "throughput (closed loop, server and echo): duration")
	fs.IntVar(&o.throughputConns, "throughput-conns", 200, "throughput: connections, closed loop")
	fs.IntVar(&o.resets, "resets", 200, "resets: patients resetting their password at once")
	fs.IntVar(&o.background, "background", 200, "resets: background patients meanwhile")
	fs.Float64Var(&o.bgRate, "background-rate", 100, "resets: background turns/s in all")
	fs.DurationVar(&o.settle, "settle", 8*time.Second, "resets: background measured alone for this long first")
	fs.DurationVar(&o.rawFor, "raw-for", 3*time.Second, "resets: raw argon2id loop duration")
	fs.IntVar(&o.handoff, "handoff", 100, "handoff: patients asking for a person")
	fs.IntVar(&o.agents.Count, "agents", 20, "handoff: agents answering them (accounts made as cmd/portico-load/bench/run.sh does; 0: the demo agent alone)")
	fs.StringVar(&o.agents.EmailFormat, "agent-email", benchAgentEmail, "handoff: agent i's email, a fmt pattern of i (from 1)")
	fs.StringVar(&o.agents.Password, "agent-password", benchAgentPassword, "handoff: the agents' password (the demo agent's with -agents 0)")
	fs.IntVar(&o.agents.Rounds, "handoff-rounds", 3, "handoff: patient messages each agent answers per chat")
	fs.IntVar(&o.churn, "churn", 2000, "churn: patients reconnecting")
	fs.DurationVar(&o.churnWithin, "churn-within", 5*time.Second, "churn: window they reconnect in")
	fs.IntVar(&o.sources, "sources", 16, "source addresses 127.0.0.1..N to spread connections over")
	fs.DurationVar(&o.turnTimeout, "turn-timeout", defaultTurnTimeout, "longest wait for one answer")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, g := range strings.Split(growth, ",") {
		if g = strings.TrimSpace(g); g == "" {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(g, "%d", &n); err != nil || n < 1 {
			return o, fmt.Errorf("-growth: bad count %q", g)
		}
		o.growth = append(o.growth, n)
	}
	o.idleMax = max(o.idleMax, o.idle)
	if o.agents.Count == 0 && o.agents.Password == benchAgentPassword {
		o.agents.Password = demoAgentPassword
	}
	if o.agents.Rounds < 1 {
		return o, errors.New("-handoff-rounds must be at least 1")
	}
	for _, s := range strings.Split(scen, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(allScenarios, s) {
			return o, fmt.Errorf("unknown scenario %q: want %s", s, strings.Join(allScenarios, ","))
		}
		o.scenarios = append(o.scenarios, s)
	}
	return o, nil
}

func (o options) has(s string) bool { return slices.Contains(o.scenarios, s) }

// runCmd runs the chosen scenarios against a running server (demo mode)
// and writes the report.
func runCmd(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, maxRunTime)
	defer cancel()
	nodes, err := parseNodes(o.url, o.origin)
	if err != nil {
		return err
	}
	base := nodes[0].base
	o.origin = nodes[0].origin
	limit, err := raiseFileLimit()
	if err != nil {
		return err
	}
	rep := newReport(base.String(), limit)
	e := &env{
		base: base, ws: wsURL(base), origin: o.origin, src: newSources(o.sources), turnTimeout: o.turnTimeout,
		http: &http.Client{Timeout: o.turnTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: httpPoolSize}},
	}
	if need := uint64(o.idle + 256); need > limit {
		rep.note("open-files limit %d is below the %d connections asked for; idle scaled down", limit, o.idle)
		o.idle = int(limit) - 256
	}
	if need := uint64(o.idleMax + 256); o.has("idle") && need > limit {
		rep.note("open-files limit %d is below the %d idle connections of the growth table; Portico's idle run stops at %d", limit, o.idleMax, int(limit)-256)
		o.idleMax = int(limit) - 256
	}
	server, err := fetchStats(ctx, base, false)
	if err != nil {
		return fmt.Errorf("%w (start `portico serve --demo` first; see cmd/portico-load/bench/run.sh)", err)
	}
	if len(nodes) > 1 {
		if err := nodePIDs(ctx, nodes); err != nil {
			return err
		}
		e.nodes, e.turn = nodes, new(atomic.Uint64)
		rep.note("%d nodes: sockets spread over %s in turn; CPU is every node's", len(nodes), o.url)
	}
	pl := &pool{}
	if o.patients != "" {
		f, err := os.Open(o.patients)
		if err != nil {
			return err
		}
		pl.ps, err = readPatients(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", o.patients, err)
		}
	}
	needPatients := o.has("throughput") || o.has("dialogs") || o.has("resets")
	if needPatients && len(pl.ps) == 0 {
		return errors.New("the dialogs need -patients (a CSV imported into the server)")
	}
	fmt.Fprintf(stdout, "portico-load: server %s (pid %d), %d patient records, open-files limit %d\n",
		base, server.PID, len(pl.ps), limit)
	stats := func(ctx context.Context) (ServerStats, error) { return fetchStats(ctx, base, false) }
	step := func(name string) { fmt.Fprintf(stdout, "\n== %s (%s)\n", name, time.Now().Format("15:04:05")) }

	var echoes []*echoProc
	defer func() {
		for _, p := range echoes {
			p.stop()
		}
	}()
	if o.has("baseline") {
		for _, tuned := range []bool{false, true} {
			name := "echo-default"
			if tuned {
				name = "echo-tuned"
			}
			step("baseline " + name)
			p, err := startEcho(ctx, tuned)
			if err != nil {
				return err
			}
			echoes = append(echoes, p)
			ee := *e
			ee.base, ee.ws = p.url, wsURL(p.url)
			st, _ := fetchStats(ctx, p.url, false)
			idle := idleRun(ctx, stdout, name, p.url, o.idle, o.idleHold, func(ctx context.Context) (*client.Conn, error) {
				c, err := ee.dial(ctx)
				if err != nil {
					return nil, err
				}
				if err := echoHello(ctx, c, o.turnTimeout); err != nil {
					c.Drop()
					return nil, err
				}
				return c, nil
			})
			res := echoThroughput(ctx, stdout, name, &ee, o.throughputConns, o.throughputFor, st.PID)
			res.Idle = idle
			rep.Baselines = append(rep.Baselines, res)
			if tuned {
				rep.echoSamples = res.recorder.snapshot()
			}
			p.stop()
			echoes = echoes[:len(echoes)-1]
		}
	}
	if o.has("idle") {
		step("idle")
		r := idleRun(ctx, stdout, "portico", base, o.idleMax, o.idleHold, func(ctx context.Context) (*sim, error) {
			s, _, err := e.open(ctx, "")
			return s, err
		})
		rep.Idle = &r
	}
	if o.has("throughput") {
		step("throughput (closed loop)")
		r, _ := dialogsRun(ctx, stdout, "throughput", e, pl, o.throughputConns, 0, o.throughputFor, stats)
		rep.Throughput = &r
	}
	if o.has("dialogs") {
		step(fmt.Sprintf("dialogs (%d patients, open loop at %.0f turns/s)", o.active, o.rate))
		r, rec := dialogsRun(ctx, stdout, "dialogs", e, pl, o.active, o.rate, o.dialogFor, stats)
		rep.Dialogs = &r
		rep.turnSamples = rec.snapshot()
	}
	if o.has("growth") && o.rate > 0 && o.active > 0 {
		perPatient := o.rate / float64(o.active) // turns/s each, as in dialogs
		for _, n := range o.growth {
			if uint64(n+256) > limit {
				rep.note("growth: %d active patients need more than the open-files limit %d; skipped", n, limit)
				continue
			}
			step(fmt.Sprintf("growth (%d patients, open loop at %.0f turns/s)", n, perPatient*float64(n)))
			r, _ := dialogsRun(ctx, stdout, fmt.Sprintf("growth %d", n), e, pl, n, perPatient*float64(n), o.growthFor, stats)
			rep.Growth = append(rep.Growth, r)
		}
	}
	if o.has("resets") {
		step("resets: raw argon2id rate in this process")
		raw := rawHashRate(ctx, o.rawFor)
		fmt.Fprintf(stdout, "  raw argon2id: %.1f hashes/s\n", raw)
		step(fmt.Sprintf("resets (%d at once, %d background patients at %.0f turns/s)", o.resets, o.background, o.bgRate))
		r := resetsRun(ctx, stdout, e, pl, o.resets, o.background, o.bgRate, o.settle, raw, stats)
		rep.Resets = &r
	}
	if o.has("handoff") {
		step("handoff")
		if per := agentFrames(o.handoff, o.agents); per > agentFrameBudget {
			rep.note("handoff: %d frames per agent would exceed its rate budget of %d; add agents (-agents) or lower -handoff-rounds", per, agentFrameBudget)
		}
		r := handoffRun(ctx, stdout, e, o.handoff, o.agents)
		rep.Handoff = &r
	}
	if o.has("churn") {
		step("churn")
		r := churnRun(ctx, stdout, e, o.churn, o.churnWithin, server.PID)
		rep.Churn = &r
	}
	rep.PatientsUsed = pl.used()
	rep.finish()
	fmt.Fprintln(stdout)
	rep.summary(stdout)
	return rep.write(o.out, stdout)
}

// echoHello sends what a patient's hello would be and reads it back, so
// an idle echo connection has done what an idle patient's has.
func echoHello(ctx context.Context, c *client.Conn, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.Hello("", 0, "en", ""); err != nil {
		return err
	}
	_, err := c.Next(ctx)
	return err
}

// writeJSON writes v indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

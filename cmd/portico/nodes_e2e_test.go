package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/staff"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
	"github.com/portico-chat/portico/connectors/web/client"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
)

// Several nodes: `portico serve` processes on loopback ports sharing one
// PostgreSQL schema (docs/operations.md "Several nodes"). Each is this test
// binary run as main (TestMain), so there is no separate build. Without a
// PostgreSQL server the tests skip, and fail in CI (pgtest).

// cluster is n nodes on one fresh schema, with email through one SMTP
// server.
type cluster struct {
	t     *testing.T
	env   []string // every node's, but its name
	mail  *smtptest.Server
	url   string
	nodes []*child
}

// fastPatient lets a scripted patient answer faster than any person.
var fastPatient = map[string]string{"http.rate_frames": "1000", "http.rate_burst": "500"}

// startCluster starts n nodes, one after the other (the first applies the
// migrations and seeds the demo), named node-a, node-b, ….
func startCluster(t *testing.T, n int, keys map[string]string) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	c := &cluster{t: t, mail: smtptest.Start(t), url: pgtest.URL(t)}
	all := map[string]string{
		"http.addr": "127.0.0.1:0", "demo_second_addr": "127.0.0.1:0", "log.format": "json",
		"storage.driver": "postgres", "storage.postgres.url": c.url,
		"storage.postgres.key_file":   filepath.Join(t.TempDir(), "outbox.key"), // the same file for every node
		"storage.postgres.lock_conns": "16",
	}
	for k, v := range smtpKeys(c.mail) {
		all[k] = v
	}
	for k, v := range fastPatient {
		all[k] = v
	}
	for k, v := range keys {
		all[k] = v
	}
	c.env = append(os.Environ(), "PORTICO_TEST_RUN_MAIN=1")
	for k, v := range all {
		c.env = append(c.env, envName(k)+"="+v)
	}
	for i := range n {
		c.nodes = append(c.nodes, c.start(i))
	}
	return c
}

// name is node i's name.
func nodeName(i int) string { return "node-" + string(rune('a'+i)) }

// start runs node i and waits until it listens.
func (c *cluster) start(i int) *child {
	t := c.t
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--demo")
	cmd.Env = append(slices.Clone(c.env), "PORTICO_NODE_NAME="+nodeName(i))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := &child{cmd: cmd, logs: make(chan string, 10000)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var entry struct{ Message, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Message == "listening" {
				addr <- entry.Addr
			}
			select {
			case ch.logs <- line:
			default:
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("%s exited before listening", nodeName(i))
		}
		ch.URL = "http://" + a
	case <-time.After(2 * waitLimit):
		t.Fatalf("%s did not start listening", nodeName(i))
	}
	return ch
}

// store opens the cluster's database from the test, to check what it holds.
func (c *cluster) store() *postgres.DB {
	c.t.Helper()
	db, err := postgres.Open(context.Background(), postgres.Options{
		URL: c.url, KeyFile: filepath.Join(c.t.TempDir(), "reader.key"), MaxConns: 4,
	}, zerolog.Nop())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

// replayed resumes a conversation on a node from the start and returns
// every message as "seq from: text".
func replayed(t *testing.T, base, resume string) []string {
	t.Helper()
	p := dial(t, base)
	if err := p.conn.Hello(resume, 0, "en", ""); err != nil {
		t.Fatal(err)
	}
	w := p.await("welcome", func(f client.Frame) bool { return f.Type == "welcome" })
	var out []string
	for last := int64(0); last < w.Seq; {
		m := p.await("the replay", func(f client.Frame) bool { return f.Type == "msg" })
		out = append(out, fmt.Sprintf("%d %s: %s", m.Seq, m.From, m.Text))
		last = m.Seq
	}
	p.conn.Close()
	return out
}

// TestAgentOnNodeBAnswersPatientOnNodeA: a patient on node A asks for a
// person, an agent signed in on node B sees the chat in the queue, claims
// it and answers; they talk across the nodes, and the transcript is the
// same from both.
func TestAgentOnNodeBAnswersPatientOnNodeA(t *testing.T) {
	c := startCluster(t, 2, map[string]string{"handoff.auto_assign": "false"})
	nodeA, nodeB := c.nodes[0], c.nodes[1]

	p := dial(t, nodeA.URL)
	w, _ := p.hello("", 0, "en", "")
	wantStatus(t, p.say("I need a human"), "queued", "")

	ag := dialAgent(t, nodeB.URL, signInAgent(t, nodeB.URL, demoAgentEmail, demoAgentPassword))
	ag.await("node b's queue with the chat queued on node a", func(f agentFrame) bool {
		return f.Type == "queue" && len(f.Items) == 1 && f.Items[0].Conversation == w.Conversation
	})
	ag.send(map[string]any{"type": "claim", "conversation": w.Conversation})
	view := ag.await("the conversation", func(f agentFrame) bool {
		return f.Type == "conversation" && f.Conversation == w.Conversation
	})
	if view.Status != "agent" || !strings.Contains(transcriptText(view), "I need a human") {
		t.Errorf("conversation view %+v: want status agent and the whole transcript", view)
	}
	p.await("the agent joining, on node a", func(f client.Frame) bool { return f.Type == "status" && f.Status == "agent" })

	ag.send(map[string]any{"type": "say", "conversation": w.Conversation, "id": "a1", "text": "Hello from node b."})
	m := p.await("the agent's message on node a", func(f client.Frame) bool { return f.Type == "msg" && f.From == "agent" })
	if m.Text != "Hello from node b." {
		t.Errorf("patient got %q, want the agent's message", m.Text)
	}
	if err := p.conn.Say("p-1", "Thanks, node a here.", ""); err != nil {
		t.Fatal(err)
	}
	p.await("the ack", func(f client.Frame) bool { return f.Type == "ack" && f.ID == "p-1" })
	ag.await("the patient's message on node b", func(f agentFrame) bool {
		return f.Type == "msg" && f.From == "patient" && f.Text == "Thanks, node a here."
	})

	fromA, fromB := replayed(t, nodeA.URL, w.Resume), replayed(t, nodeB.URL, w.Resume)
	if len(fromA) < 4 || !slices.Equal(fromA, fromB) {
		t.Errorf("transcripts differ:\nnode a: %q\nnode b: %q", fromA, fromB)
	}
}

// TestNodeKilledMidDialog: node A is killed with SIGKILL after it sent a
// code; the patient resumes on node B with the resume token and finishes
// the reset. No acknowledged message is lost or doubled, and the code was
// emailed once.
func TestNodeKilledMidDialog(t *testing.T) {
	c := startCluster(t, 2, nil)
	nodeA, nodeB := c.nodes[0], c.nodes[1]

	p := dial(t, nodeA.URL)
	w, _ := p.hello("", 0, "en", "reset_password")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		p.say(s)
	}
	frames := p.say("reply:email")
	wantInput(t, frames, "otp")
	last := frames[len(frames)-1].Seq
	code := codeFrom(t, waitMail(t, c.mail)) // sent: node a's sender marked it, or is about to
	nodeA.kill(t)

	p2 := dial(t, nodeB.URL)
	p2.n = p.n // say ids are unique per conversation, across connections
	if err := p2.conn.Hello(w.Resume, last, "en", ""); err != nil {
		t.Fatal(err)
	}
	welcome := p2.await("welcome on node b", func(f client.Frame) bool { return f.Type == "welcome" })
	if welcome.Conversation != w.Conversation || welcome.Seq != last {
		t.Fatalf("resumed on node b into %+v, want conversation %s at seq %d", welcome, w.Conversation, last)
	}
	wantInput(t, p2.say(code), "new_password")
	wantStatus(t, p2.say("tulip harbor seven lanterns"), "closed", "resolved")
	if got := postSignIn(t, nodeB.URL, "olivia.active", "tulip harbor seven lanterns"); got != 303 {
		t.Errorf("sign-in with the new password: %d, want 303", got)
	}
	// serve hashed the new password, and the sign-in's, in its worker.
	var st Stats
	if err := getJSON(nodeB.URL+debugStatsPath, &st); err != nil {
		t.Fatal(err)
	}
	if st.HashWorkerPID == 0 || st.HashWorkerPID == st.PID || st.HashInProcess != 0 || st.Hashes == 0 {
		t.Errorf("node b's hashing: worker pid %d (node %d), %d of %d hashes in process; want all in a worker",
			st.HashWorkerPID, st.PID, st.HashInProcess, st.Hashes)
	}

	db := c.store()
	ctx := context.Background()
	msgs, err := db.Messages(ctx, w.Conversation, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d: seqs must run 1, 2, 3 … without gaps", i, m.Seq)
		}
		if m.ClientID != "" && ids[m.ClientID] {
			t.Errorf("say %s stored twice", m.ClientID)
		}
		ids[m.ClientID] = true
	}
	for _, id := range []string{"say-ab", "say-af", "say-ag", "say-ah"} { // acknowledged on either node
		if !ids[id] {
			t.Errorf("acknowledged say %s is not stored", id)
		}
	}
	// Let node b's sender finish whatever it has (the password notice),
	// then count: the code went out once.
	waitMail(t, c.mail)
	codes := 0
	for _, m := range c.mail.Messages() {
		if strings.Contains(m.Text(), code) {
			codes++
		}
	}
	if codes != 1 {
		t.Errorf("the code was emailed %d times, want once", codes)
	}
}

// TestOneOfTwentyClaimsOverThreeNodesWins: twenty agents, signed in on
// three nodes, claim one chat at once: exactly one gets it.
func TestOneOfTwentyClaimsOverThreeNodesWins(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"handoff.auto_assign": "false"})
	const agents = 20
	db := c.store()
	hash, err := password.Hash(demoAgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	var conns []*agentConn
	for i := range agents {
		u := staff.User{Email: fmt.Sprintf("agent%d@nodes.portico.invalid", i), Name: fmt.Sprintf("Agent %d", i),
			Role: bot.RoleAgent, PasswordHash: hash}
		if err := db.CreateUser(context.Background(), &u); err != nil {
			t.Fatal(err)
		}
		base := c.nodes[i%3].URL
		conns = append(conns, dialAgent(t, base, signInAgent(t, base, u.Email, demoAgentPassword)))
	}
	p := dial(t, c.nodes[0].URL)
	w, _ := p.hello("", 0, "en", "")
	wantStatus(t, p.say("I need a human"), "queued", "")
	for i, a := range conns {
		a.await(fmt.Sprintf("the chat in the queue of agent %d on %s", i, nodeName(i%3)), func(f agentFrame) bool {
			return f.Type == "queue" && len(f.Items) == 1
		})
	}
	var wg sync.WaitGroup
	results := make([]string, agents)
	for i, a := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.ws.WriteJSON(map[string]any{"type": "claim", "conversation": w.Conversation}); err != nil {
				results[i] = "write: " + err.Error()
				return
			}
			a.ws.SetReadDeadline(time.Now().Add(waitLimit))
			for {
				var f agentFrame
				if err := a.ws.ReadJSON(&f); err != nil {
					results[i] = "read: " + err.Error()
					return
				}
				switch {
				case f.Type == "error":
					results[i] = f.Code
					return
				case f.Type == "conversation" && f.Conversation == w.Conversation:
					results[i] = "won"
					return
				}
			}
		}()
	}
	wg.Wait()
	won := 0
	for i, r := range results {
		switch r {
		case "won":
			won++
		case "conflict":
		default:
			t.Errorf("claim of agent %d: %s, want won or conflict", i, r)
		}
	}
	if won != 1 {
		t.Errorf("%d claims won, want exactly 1 (results %v)", won, results)
	}
	conv, err := db.Conversation(context.Background(), w.Conversation)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Status != bot.StatusAgent {
		t.Errorf("conversation %s, want agent", conv.Status)
	}
}

// TestNewConversationLimitHoldsOverNodes: the per-address limit on new
// conversations is counted in the database: twenty hellos from one
// address spread over three nodes open exactly the limit's number.
func TestNewConversationLimitHoldsOverNodes(t *testing.T) {
	const limit = 5
	c := startCluster(t, 3, map[string]string{"http.new_conversations_per_minute": fmt.Sprint(limit)})
	const hellos = 20
	var wg sync.WaitGroup
	outcomes := make([]string, hellos)
	start := make(chan struct{})
	for i := range hellos {
		p := dial(t, c.nodes[i%3].URL)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := p.conn.Hello("", 0, "en", ""); err != nil {
				outcomes[i] = err.Error()
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			f, err := p.conn.Next(ctx)
			switch {
			case err != nil:
				outcomes[i] = err.Error()
			case f.Type == "welcome":
				outcomes[i] = "welcome"
			default:
				outcomes[i] = f.Type + ":" + f.Code
			}
		}()
	}
	close(start)
	wg.Wait()
	opened := 0
	for _, o := range outcomes {
		if o == "welcome" {
			opened++
		} else if !strings.Contains(o, "rate") {
			t.Errorf("hello: %s, want a welcome or a rate limit", o)
		}
	}
	if opened != limit {
		t.Errorf("%d conversations opened over three nodes, want exactly %d (%v)", opened, limit, outcomes)
	}
}

// TestFanOutBetweenNodesIsFast: once committed, what an agent on node B
// says reaches the patient on node A, and the patient's answer the agent,
// within 100 ms at the 99th percentile on loopback.
func TestFanOutBetweenNodesIsFast(t *testing.T) {
	c := startCluster(t, 2, map[string]string{"handoff.auto_assign": "false"})
	nodeA, nodeB := c.nodes[0], c.nodes[1]
	p := dial(t, nodeA.URL)
	w, _ := p.hello("", 0, "en", "")
	wantStatus(t, p.say("I need a human"), "queued", "")
	ag := dialAgent(t, nodeB.URL, signInAgent(t, nodeB.URL, demoAgentEmail, demoAgentPassword))
	ag.await("the queue", func(f agentFrame) bool { return f.Type == "queue" && len(f.Items) == 1 })
	ag.send(map[string]any{"type": "claim", "conversation": w.Conversation})
	ag.await("the conversation", func(f agentFrame) bool { return f.Type == "conversation" })
	p.await("the agent joining", func(f client.Frame) bool { return f.Type == "status" && f.Status == "agent" })

	// Fan-out is measured from the commit on the sending node (the
	// sender's own ack or echo) to the frame on the other node, each side
	// read by its own goroutine. The console may send 30 frames at once
	// (web.DefaultAgentRateBurst): every fourth round has the agent speak.
	const rounds = 100
	var lat, toPatient []time.Duration
	both := func(origin, other func() time.Time) time.Duration {
		at := make(chan time.Time, 1)
		go func() {
			var t time.Time
			defer func() { at <- t }() // also when a failed await ends this goroutine
			t = origin()
		}()
		received := other()
		return max(received.Sub(<-at), 0)
	}
	for i := range rounds {
		if i%4 == 0 {
			text := fmt.Sprintf("agent line %d", i)
			ag.send(map[string]any{"type": "say", "conversation": w.Conversation, "id": fmt.Sprint("a", i), "text": text})
			d := both(func() time.Time {
				ag.await("the echo of "+text, func(f agentFrame) bool { return f.Type == "msg" && f.Text == text })
				return time.Now()
			}, func() time.Time {
				p.await(text, func(f client.Frame) bool { return f.Type == "msg" && f.Text == text })
				return time.Now()
			})
			lat, toPatient = append(lat, d), append(toPatient, d)
		}
		text := fmt.Sprintf("patient line %d", i)
		id := fmt.Sprint("p", i)
		if err := p.conn.Say(id, text, ""); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, both(func() time.Time {
			p.await("the ack of "+text, func(f client.Frame) bool { return f.Type == "ack" && f.ID == id })
			return time.Now()
		}, func() time.Time {
			ag.await(text, func(f agentFrame) bool { return f.Type == "msg" && f.Text == text })
			return time.Now()
		}))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("fan-out between nodes over %d messages: p50 %v, p99 %v, max %v", len(lat), p50, p99, lat[len(lat)-1])
	slices.Sort(toPatient)
	t.Logf("agent to patient: p50 %v, max %v", toPatient[len(toPatient)/2], toPatient[len(toPatient)-1])
	if p99 > 100*time.Millisecond {
		if load, busy := machineBusy(); busy {
			t.Logf("fan-out p99 %v is over 100ms, but the machine is too busy to tell (load average %.1f on %d CPUs)",
				p99, load, runtime.NumCPU())
			return
		}
		t.Errorf("fan-out p99 %v, want under 100ms", p99)
	}
}

// machineBusy reports whether the machine runs more than twice as many
// runnable threads as it has CPUs (the 1-minute load average), so that a
// latency measured on it says more about its scheduler than about Portico.
func machineBusy() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	var load float64
	if _, err := fmt.Sscan(string(b), &load); err != nil {
		return 0, false
	}
	return load, load > 2*float64(runtime.NumCPU())
}

// TestRollingRestartUnderLoad: patients talk to two nodes while each is
// restarted in turn (SIGTERM, then started again). A patient whose socket
// closes reconnects to a node that is up, resumes and sends its say again
// with the same id; no turn fails, no acknowledged say is lost or doubled.
func TestRollingRestartUnderLoad(t *testing.T) {
	c := startCluster(t, 2, map[string]string{"http.new_conversations_per_minute": "1000"})
	var mu sync.Mutex
	live := []string{c.nodes[0].URL, c.nodes[1].URL}
	pick := func(n int) string {
		mu.Lock()
		defer mu.Unlock()
		return live[n%len(live)]
	}
	const workers = 10
	stop := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]*rollingPatient, workers)
	for i := range workers {
		r := &rollingPatient{t: t, acked: map[string]int64{}}
		results[i] = r
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(i, pick, stop)
		}()
	}
	turns := func() int {
		n := 0
		for _, r := range results {
			n += int(r.turns.Load())
		}
		return n
	}
	waitTurns := func(more int) {
		want := turns() + more
		deadline := time.Now().Add(2 * waitLimit)
		for turns() < want && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitTurns(100)
	for i := range c.nodes {
		mu.Lock()
		live = []string{c.nodes[1-i].URL}
		mu.Unlock()
		c.nodes[i].stop(t)
		waitTurns(50) // the other node serves alone
		c.nodes[i] = c.start(i)
		mu.Lock()
		live = []string{c.nodes[0].URL, c.nodes[1].URL}
		mu.Unlock()
		waitTurns(100)
	}
	close(stop)
	wg.Wait()

	db := c.store()
	total, reconnects := 0, 0
	for i, r := range results {
		total += int(r.turns.Load())
		reconnects += r.reconnects
		for _, f := range r.failures {
			t.Errorf("patient %d: %s", i, f)
		}
		msgs, err := db.Messages(context.Background(), r.conv, 0)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]int64{}
		for j, m := range msgs {
			if m.Seq != int64(j+1) {
				t.Fatalf("patient %d: message %d has seq %d, want no gaps", i, j, m.Seq)
			}
			if _, dup := stored[m.ClientID]; dup && m.ClientID != "" {
				t.Errorf("patient %d: say %s stored twice", i, m.ClientID)
			}
			stored[m.ClientID] = m.Seq
		}
		for id, seq := range r.acked {
			if stored[id] != seq {
				t.Errorf("patient %d: say %s acked as seq %d, stored as %d", i, id, seq, stored[id])
			}
		}
	}
	t.Logf("rolling restart: %d turns by %d patients, %d reconnects, 0 failed turns wanted", total, workers, reconnects)
	if reconnects == 0 {
		t.Error("no patient had to reconnect: the restarts did not happen under load")
	}
}

// rollingPatient says "start over" again and again, each say a turn the
// bot answers with its greeting question.
type rollingPatient struct {
	t          *testing.T
	conn       *client.Conn
	conv       string
	resume     string
	seq        int64
	acked      map[string]int64
	turns      atomic.Int64
	reconnects int
	failures   []string
}

// rollingPause is each patient's think time between turns.
const rollingPause = 20 * time.Millisecond

func (r *rollingPatient) run(i int, pick func(int) string, stop chan struct{}) {
	defer func() {
		if r.conn != nil {
			r.conn.Close()
		}
	}()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		case <-time.After(rollingPause):
		}
		id := fmt.Sprintf("p%d-%d", i, n)
		for try := 0; ; try++ {
			if try > 20 {
				r.failures = append(r.failures, "say "+id+": no node took it after 20 tries")
				return
			}
			if r.conn == nil && !r.connect(pick(i+try)) {
				continue
			}
			done, err := r.turn(id)
			if err != nil {
				r.failures = append(r.failures, "say "+id+": "+err.Error())
				return
			}
			if done {
				break
			}
			r.conn.Drop()
			r.conn = nil // the node went away: reconnect and say it again
			r.reconnects++
		}
		r.turns.Add(1)
	}
}

// connect opens or resumes the conversation on base and reads the replay.
func (r *rollingPatient) connect(base string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, _, err := client.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", base)
	if err != nil {
		return false
	}
	if err := conn.Hello(r.resume, r.seq, "en", ""); err != nil {
		conn.Drop()
		return false
	}
	for {
		f, err := conn.Next(ctx)
		if err != nil {
			conn.Drop()
			return false
		}
		if f.Type == "welcome" {
			if r.conv == "" {
				r.conv, r.resume = f.Conversation, f.Resume
			}
			if f.Conversation != r.conv {
				r.failures = append(r.failures, "resumed into another conversation")
			}
			if f.Seq <= r.seq {
				r.conn = conn
				return true
			}
		}
		if f.Type == "msg" && f.Seq > r.seq {
			r.seq = f.Seq
			if f.Input != nil { // the replay or the first turn is read
				r.conn = conn
				return true
			}
		}
	}
}

// turn says id and reads the answer. done is false when the connection
// was lost before the answer; err is a failed turn.
func (r *rollingPatient) turn(id string) (done bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := r.conn.Say(id, "start over", ""); err != nil {
		return false, nil
	}
	acked := false
	for {
		f, err := r.conn.Next(ctx)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return false, fmt.Errorf("no answer within %v", waitLimit)
			}
			return false, nil
		case f.Type == "error":
			return false, fmt.Errorf("error frame %s: %s", f.Code, f.Message)
		case f.Type == "ack" && f.ID == id:
			r.acked[id], acked = f.Seq, true
			if f.Seq <= r.seq { // stored before the node went away; its answer was replayed
				return true, nil
			}
		case f.Type == "msg":
			r.seq = max(r.seq, f.Seq)
			if acked && f.Input != nil {
				return true, nil
			}
		}
	}
}

// TestNotReadyWhileTheDatabaseIsUnreachable: /readyz answers 503 while the
// node cannot reach PostgreSQL (here a proxy in between drops every
// connection), so that a balancer takes the node out, and 200 again once
// it can.
func TestNotReadyWhileTheDatabaseIsUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	target, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	px := startTCPProxy(t, target.Host)
	via := *target
	via.Host = px.addr
	app := startApp(t, map[string]string{
		"storage.driver": "postgres", "storage.postgres.url": via.String(),
		"storage.postgres.key_file": filepath.Join(t.TempDir(), "outbox.key"),
	})
	ready := func() int {
		t.Helper()
		resp, err := http.Get(app.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := ready(); got != http.StatusOK {
		t.Fatalf("/readyz with the database reachable: %d, want 200", got)
	}
	px.setUp(false)
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database unreachable: %d, want 503", got)
	}
	px.setUp(true)
	if got := ready(); got != http.StatusOK {
		t.Fatalf("/readyz with the database back: %d, want 200", got)
	}
}

// tcpProxy forwards connections to a server while up; down, it closes
// every connection and refuses new ones.
type tcpProxy struct {
	addr  string
	mu    sync.Mutex
	up    bool
	conns []net.Conn
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &tcpProxy{addr: l.Addr().String(), up: true}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			up := p.up
			p.mu.Unlock()
			if !up {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() { p.setUp(false) })
	return p
}

func (p *tcpProxy) setUp(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = up
	if !up {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// getJSON decodes the answer to a GET of u into v.
func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

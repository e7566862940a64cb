package flowtest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Result is the outcome of one case.
type Result struct {
	File     string
	Case     string
	Line     int
	Failures []string // empty when the case passed
}

// OK reports whether the case passed.
func (r Result) OK() bool { return len(r.Failures) == 0 }

// testSource is the client address every test conversation comes from
// (TEST-NET-1, never routable).
const testSource = "192.0.2.1"

// Run runs every case of every file, each in a fresh Env from newEnv.
func Run(ctx context.Context, files []File, newEnv func() (*Env, error)) []Result {
	var results []Result
	for _, f := range files {
		for _, c := range f.Tests {
			r := Result{File: f.Name, Case: c.Name, Line: c.Line}
			env, err := newEnv()
			if err != nil {
				r.Failures = []string{fmt.Sprintf("environment: %v", err)}
			} else {
				r.Failures = runCase(ctx, env, f, c)
				if err := env.Close(); err != nil {
					r.Failures = append(r.Failures, fmt.Sprintf("environment: close: %v", err))
				}
			}
			results = append(results, r)
		}
	}
	return results
}

var otpPattern = regexp.MustCompile(`\b\d{6}\b`)

func runCase(ctx context.Context, env *Env, f File, c Case) []string {
	var fails []string
	failf := func(line int, format string, args ...any) {
		fails = append(fails, fmt.Sprintf("line %d: %s", line, fmt.Sprintf(format, args...)))
	}
	start := c.Start
	if start == "" {
		start = f.Flow
	}
	rec := &Recorder{}
	w, err := env.Engine.Hello(ctx, bot.Hello{Locale: c.Locale, Start: start, Source: testSource}, rec)
	if err != nil {
		return []string{fmt.Sprintf("line %d: hello: %v", c.Line, err)}
	}
	id := w.ConversationID
	for i, st := range c.Steps {
		if st.Wait != "" {
			d, err := time.ParseDuration(st.Wait)
			if err != nil {
				failf(st.Line, "wait %q: %v", st.Wait, err)
				return fails
			}
			env.Clock.Advance(d)
		}
		if st.Say != "" || st.Reply != "" {
			text := st.Say
			if strings.Contains(text, "{otp}") {
				otp, err := lastCode(ctx, env, id)
				if err != nil {
					failf(st.Line, "%v", err)
					return fails
				}
				text = strings.ReplaceAll(text, "{otp}", otp)
			}
			say := bot.Say{ID: fmt.Sprintf("step-%d", i), Text: text, Reply: st.Reply, Source: testSource}
			if err := env.Engine.Say(ctx, id, rec, say); err != nil {
				failf(st.Line, "say: %v", err)
				return fails
			}
		}
		checkStep(ctx, env, id, st, Messages(rec.Take()), failf)
	}
	checkEnd(ctx, env, id, c, failf)
	return fails
}

func checkStep(ctx context.Context, env *Env, id string, st Step, msgs []bot.Message, failf func(int, string, ...any)) {
	var said []string
	var last *bot.Message
	for i := range msgs {
		if msgs[i].From == bot.FromPatient {
			continue
		}
		said = append(said, msgs[i].Text)
		last = &msgs[i]
	}
	all := strings.ToLower(strings.Join(said, "\n"))
	for _, want := range st.Expect {
		if !strings.Contains(all, strings.ToLower(want)) {
			failf(st.Line, "bot said %q, want it to contain %q", strings.Join(said, " | "), want)
		}
	}
	for _, bad := range st.Reject {
		if strings.Contains(all, strings.ToLower(bad)) {
			failf(st.Line, "bot said %q, which must not contain %q", strings.Join(said, " | "), bad)
		}
	}
	if st.Input != "" {
		got := "-"
		if last != nil && last.Input != nil {
			got = last.Input.Slot
		}
		if got != st.Input {
			failf(st.Line, "asks for %q, want %q", got, st.Input)
		}
	}
	if len(st.Replies) > 0 {
		var got []string
		if last != nil {
			for _, r := range last.Replies {
				got = append(got, r.Value)
			}
		}
		if !slices.Equal(got, st.Replies) {
			failf(st.Line, "replies %v, want %v", got, []string(st.Replies))
		}
	}
	if st.State != "" {
		if got := state(ctx, env, id); got != st.State {
			failf(st.Line, "state %s, want %s", got, st.State)
		}
	}
}

func state(ctx context.Context, env *Env, id string) string {
	c, err := env.Store.Conversation(ctx, id)
	if err != nil {
		return "error: " + err.Error()
	}
	return c.Flow + "." + c.State
}

func checkEnd(ctx context.Context, env *Env, id string, c Case, failf func(int, string, ...any)) {
	conv, err := env.Store.Conversation(ctx, id)
	if err != nil {
		failf(c.Line, "conversation: %v", err)
		return
	}
	if c.Status != "" && string(conv.Status) != c.Status {
		failf(c.Line, "status %s, want %s", conv.Status, c.Status)
	}
	if c.Resolution != "" && string(conv.Resolution) != c.Resolution {
		failf(c.Line, "resolution %q, want %q", conv.Resolution, c.Resolution)
	}
	if c.Reason != "" && conv.Reason != c.Reason {
		failf(c.Line, "handoff reason %q, want %q", conv.Reason, c.Reason)
	}
	if c.State != "" && conv.Flow+"."+conv.State != c.State {
		failf(c.Line, "state %s.%s, want %s", conv.Flow, conv.State, c.State)
	}
	if len(c.Audit) > 0 || len(c.NoAudit) > 0 {
		events, err := auditOf(ctx, env, id)
		if err != nil {
			failf(c.Line, "audit: %v", err)
			return
		}
		if missing := subsequence(c.Audit, events); missing != "" {
			failf(c.Line, "audit %v lacks %q (in order)", events, missing)
		}
		for _, bad := range c.NoAudit {
			for _, e := range events {
				if e == bad || strings.HasPrefix(e, bad+":") {
					failf(c.Line, "audit has %q, which must not happen", e)
				}
			}
		}
	}
	if c.Delivered != nil {
		got, err := delivered(ctx, env, id)
		if err != nil {
			failf(c.Line, "deliveries: %v", err)
		} else if !slices.Equal(got, c.Delivered) {
			failf(c.Line, "delivered %v, want %v", got, c.Delivered)
		}
	}
}

// subsequence returns the first wanted event not found in order, or "".
// A wanted "type" matches any outcome; "type:outcome" only that one.
func subsequence(want, events []string) string {
	i := 0
	for _, w := range want {
		for i < len(events) && events[i] != w && !strings.HasPrefix(events[i], w+":") {
			i++
		}
		if i == len(events) {
			return w
		}
		i++
	}
	return ""
}

// auditOf returns a conversation's audit events as type:outcome.
func auditOf(ctx context.Context, env *Env, id string) ([]string, error) {
	all, err := env.Store.AuditEvents(ctx, 0, 100000)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range all {
		if e.Actor == "conversation:"+id {
			out = append(out, e.Type+":"+e.Outcome)
		}
	}
	return out, nil
}

// deliveries returns a conversation's queued deliveries, but those
// withheld (queued only to be given up unsent).
func deliveries(ctx context.Context, env *Env, id string) ([]bot.Delivery, error) {
	pending, err := env.Store.DueDeliveries(ctx, env.Clock.Now().Add(24*time.Hour), 100000)
	if err != nil {
		return nil, err
	}
	var out []bot.Delivery
	for _, p := range pending {
		if strings.HasPrefix(p.Key, id+":") && p.Withheld == "" {
			out = append(out, p.Delivery)
		}
	}
	return out, nil
}

// delivered returns a conversation's deliveries as channel:kind.
func delivered(ctx context.Context, env *Env, id string) ([]string, error) {
	ds, err := deliveries(ctx, env, id)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, d := range ds {
		parts := strings.Split(d.Key, ":") // conversation:step:kind:channel
		if len(parts) == 4 {
			out = append(out, parts[3]+":"+parts[2])
		}
	}
	return out, nil
}

// lastCode returns the newest one-time code delivered for a conversation.
func lastCode(ctx context.Context, env *Env, id string) (string, error) {
	ds, err := deliveries(ctx, env, id)
	if err != nil {
		return "", err
	}
	for i := len(ds) - 1; i >= 0; i-- {
		if strings.Contains(ds[i].Key, ":otp:") {
			if m := otpPattern.FindString(ds[i].Text); m != "" {
				return m, nil
			}
		}
	}
	return "", fmt.Errorf("{otp}: no code was delivered to this conversation")
}

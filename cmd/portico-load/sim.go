package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portico-chat/portico/connectors/web/client"
)

// Client-side limits.
const (
	outboxFirstPoll = 5 * time.Millisecond
	outboxMaxPoll   = 100 * time.Millisecond
	outboxWait      = 15 * time.Second      // for a code to reach the dev outbox
	outboxHold      = 5 * time.Second       // the dev outbox's hold, within the client's timeout
	outboxNodeWait  = 50 * time.Millisecond // each node's hold, with several
)

// errEnded is a dialog that ended (handed off or closed) before the step a
// scenario wanted.
var errEnded = errors.New("dialog ended early")

// env is what every simulated patient shares.
type env struct {
	base        *url.URL
	ws          string
	origin      string
	src         *sources
	turnTimeout time.Duration
	http        *http.Client
	// nodes, when -url lists several, are where sockets are spread
	// (nodes.go); turn counts the sockets given out.
	nodes []node
	turn  *atomic.Uint64
}

// sim is one simulated patient on one socket.
type sim struct {
	env    *env
	c      *client.Conn
	conv   string
	resume string
	seq    int64         // highest message seq seen
	prompt *client.Frame // the bot's last question (a msg with an input hint)
	ended  string        // queued or closed, once the conversation left the bot
	says   int
}

// dial opens a socket from the next source address.
func (e *env) dial(ctx context.Context) (*client.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, e.turnTimeout)
	defer cancel()
	n := e.pick()
	c, resp, err := client.DialWith(ctx, n.ws, n.origin, client.Options{LocalAddr: e.src.pick()})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: %w (HTTP %s)", err, resp.Status)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	return c, nil
}

// open dials and says hello, starting flow start ("" for the greeting),
// and reads up to the first question. It returns the time from hello to
// welcome.
func (e *env) open(ctx context.Context, start string) (*sim, time.Duration, error) {
	c, err := e.dial(ctx)
	if err != nil {
		return nil, 0, err
	}
	s := &sim{env: e, c: c}
	w, _, err := s.hello(ctx, start, "", 0)
	if err != nil {
		c.Drop()
		return nil, 0, err
	}
	return s, w, nil
}

// hello sends hello and reads the welcome, the replay and, for a new
// conversation, the first question. It returns the times from hello to
// welcome and to the end of the replay.
func (s *sim) hello(ctx context.Context, start, resume string, lastSeq int64) (welcome, replayed time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.env.turnTimeout)
	defer cancel()
	sent := time.Now()
	if err := s.c.Hello(resume, lastSeq, "en", start); err != nil {
		return 0, 0, fmt.Errorf("hello: %w", err)
	}
	var top int64
	for {
		f, err := s.c.Next(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("hello: %w", err)
		}
		switch f.Type {
		case "welcome":
			welcome = time.Since(sent)
			s.conv, s.resume, top = f.Conversation, f.Resume, f.Seq
			if resume != "" && top <= lastSeq {
				return welcome, welcome, nil
			}
		case "msg":
			s.note(f)
			if f.Seq >= top && (resume != "" || f.Input != nil) {
				return welcome, time.Since(sent), nil
			}
		case "error":
			if f.Code != "expired" {
				return 0, 0, fmt.Errorf("hello: error frame %s", f.Code)
			}
		}
	}
}

// note keeps track of what a message frame says about the dialog.
func (s *sim) note(f client.Frame) {
	s.seq = max(s.seq, f.Seq)
	if f.Input != nil && f.From != "patient" {
		p := f
		s.prompt = &p
	}
}

// say sends one turn and reads the answer up to the next question or the
// end of the dialog. It returns the time from sent to the first message
// from the bot (or system), the turn latency the issue defines.
func (s *sim) say(ctx context.Context, text, reply string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.env.turnTimeout)
	defer cancel()
	s.says++
	s.prompt = nil
	sent := time.Now()
	if err := s.c.Say(fmt.Sprintf("s%d", s.says), text, reply); err != nil {
		return 0, fmt.Errorf("say: %w", err)
	}
	var first time.Duration
	for {
		f, err := s.c.Next(ctx)
		if err != nil {
			return 0, fmt.Errorf("turn: %w", err)
		}
		switch f.Type {
		case "msg":
			s.note(f)
			if f.From != "patient" && first == 0 {
				first = time.Since(sent)
			}
			if f.Input != nil && f.From != "patient" {
				return first, nil
			}
		case "status":
			if f.Status == "queued" || f.Status == "closed" {
				s.ended = f.Status
				return first, nil
			}
		case "error":
			return 0, fmt.Errorf("turn: error frame %s: %s", f.Code, f.Message)
		}
	}
}

// slot is the slot the bot's last question asks for, "" if none.
func (s *sim) slot() string {
	if s.prompt == nil || s.prompt.Input == nil {
		return ""
	}
	return s.prompt.Input.Slot
}

// offers reports whether the last question offers reply value v.
func (s *sim) offers(v string) bool {
	if s.prompt == nil {
		return false
	}
	for _, r := range s.prompt.Replies {
		if r.Value == v {
			return true
		}
	}
	return false
}

// close ends the chat (bye) and the socket.
func (s *sim) close() {
	_ = s.c.Bye()
	_ = s.c.Close()
}

// answer is what patient p says to the current question: a text, or a
// reply value. code is asked for only when the question is the one-time
// code.
func (s *sim) answer(ctx context.Context, p Patient) (text, reply string, err error) {
	switch slot := s.slot(); slot {
	case "topic":
		return "", "reset_password", nil
	case "lookup":
		return "", "name", nil
	case "first_name":
		return p.First, "", nil
	case "last_name":
		return p.Last, "", nil
	case "dob":
		return p.DOBUS(), "", nil
	case "zip":
		return p.ZIP, "", nil
	case "username":
		return p.Username, "", nil
	case "channel":
		if !s.offers("email") {
			return "", "", fmt.Errorf("channel question offers no email")
		}
		return "", "email", nil
	case "otp":
		code, err := s.env.code(ctx, p.Email)
		return code, "", err
	case "new_password":
		return newPassword(p), "", nil
	case "":
		return "", "", errEnded
	default:
		return "", "", fmt.Errorf("unexpected question for slot %q", slot)
	}
}

// passwordWords make each patient's new password: a long passphrase the
// password policy accepts (it must not contain the username or email).
var passwordWords = []string{
	"copper", "lantern", "harbor", "meadow", "pebble", "violet", "thunder", "orchard",
	"saffron", "glacier", "bramble", "falcon", "juniper", "quartz", "willow", "ember",
}

// newPassword is a passphrase of four words chosen by the patient's email.
func newPassword(p Patient) string {
	h := uint32(2166136261)
	for i := 0; i < len(p.Email); i++ {
		h = (h ^ uint32(p.Email[i])) * 16777619
	}
	// Digits between the words keep two words from spelling a name across
	// the gap ("bramble orchard" holds "leo"); the policy ignores spaces.
	// Four different words: the policy refuses a password that mostly
	// repeats itself.
	words := slices.Clone(passwordWords)
	w := make([]string, 4)
	for i := range w {
		n := h % uint32(len(words))
		w[i] = words[n]
		words = slices.Delete(words, int(n), int(n)+1)
		h /= uint32(len(passwordWords))
	}
	return strings.Join(w, fmt.Sprintf(" %d ", h%10)) + " river"
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// code reads the newest one-time code sent to address from the dev outbox.
// The outbox holds the request until a first delivery to the address
// arrives (wait=), so one server answers with one request per code; with
// several nodes, only the one that sent it has it, so each is asked in
// turn for a moment, with backoff between rounds.
func (e *env) code(ctx context.Context, address string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, outboxWait)
	defer cancel()
	wait := outboxFirstPoll
	hold := outboxNodeWait
	if len(e.bases()) == 1 {
		hold = outboxHold
	}
	for {
		for _, base := range e.bases() { // the node that sent it keeps it in its dev outbox
			u := *base
			u.Path = "/dev/outbox.json"
			u.RawQuery = url.Values{"to": {address}, "wait": {hold.String()}}.Encode()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
			resp, err := e.http.Do(req)
			if err != nil {
				return "", fmt.Errorf("dev outbox: %w", err)
			}
			var sent []struct{ Text string }
			err = json.NewDecoder(resp.Body).Decode(&sent)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || err != nil {
				return "", fmt.Errorf("dev outbox: %s %v (is the server in demo mode?)", resp.Status, err)
			}
			for i := len(sent) - 1; i >= 0; i-- {
				if c := sixDigits.FindString(sent[i].Text); c != "" {
					return c, nil
				}
			}
		}
		select {
		case <-time.After(wait):
			wait = min(2*wait, outboxMaxPoll)
		case <-ctx.Done():
			return "", fmt.Errorf("no code for a patient within %s: %w", outboxWait, ctx.Err())
		}
	}
}

// Close ends the chat and the socket (io.Closer, for connectN).
func (s *sim) Close() error {
	s.close()
	return nil
}

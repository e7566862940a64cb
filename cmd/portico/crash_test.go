package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
	"github.com/portico-chat/portico/storage/sqlite"
)

// child is `portico serve --demo` running as its own process.
type child struct {
	cmd  *exec.Cmd
	URL  string
	logs chan string // every log line, for the canary
}

// startChild runs the server process on a random port with the database
// at dbPath and email through mail, and waits until it listens. env adds
// to (or overrides) its environment.
func startChild(t *testing.T, dbPath string, mail *smtptest.Server, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--demo")
	cmd.Env = append(os.Environ(),
		"PORTICO_TEST_RUN_MAIN=1",
		"PORTICO_HTTP_ADDR=127.0.0.1:0",
		"PORTICO_STORAGE_SQLITE_PATH="+dbPath,
		"PORTICO_LOG_FORMAT=json",
		"PORTICO_NOTIFY_EMAIL_SMTP_ADDR="+mail.Addr,
		"PORTICO_NOTIFY_EMAIL_SMTP_STARTTLS=false",
		"PORTICO_NOTIFY_EMAIL_FROM=portico@example.org",
	)
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, logs: make(chan string, 10000)}
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
			case c.logs <- line:
			default:
			}
		}
		close(addr)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("server exited before listening")
		}
		c.URL = "http://" + a
	case <-ctx.Done():
		t.Fatal("server did not start listening")
	}
	return c
}

// kill sends SIGKILL: no shutdown, no flush.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
}

// stop sends SIGTERM and waits for a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
}

func TestCrashMidDialogResumesWhereItWas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	mail := smtptest.Start(t)
	dbPath := filepath.Join(t.TempDir(), "portico.db")
	srv := startChild(t, dbPath, mail)

	p := dial(t, srv.URL)
	w, _ := p.hello("", 0, "en", "reset_password")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		p.say(s)
	}
	// Choose email, read only the ack, then crash: the bot's answer is
	// committed but this client never saw it.
	if err := p.conn.Say("choose-email", "", "email"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	ack, err := p.conn.Next(ctx)
	if err != nil || ack.Type != "ack" {
		t.Fatalf("got %+v, %v; want the ack", ack, err)
	}
	srv.kill(t)

	srv = startChild(t, dbPath, mail)
	saysSoFar := p.n
	p = dial(t, srv.URL)
	p.n = saysSoFar // say ids are unique per conversation, across connections
	if err := p.conn.Hello(w.Resume, ack.Seq, "en", ""); err != nil {
		t.Fatal(err)
	}
	welcome, err := p.conn.Next(ctx)
	if err != nil || welcome.Type != "welcome" || welcome.Conversation != w.Conversation {
		t.Fatalf("resume after crash: got %+v, %v; want the same conversation", welcome, err)
	}
	replay, err := p.conn.Turn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(replay) != 1 || replay[0].Seq != ack.Seq+1 || replay[0].Input == nil || replay[0].Input.Slot != "otp" {
		t.Fatalf("replay %+v, want exactly the code question as seq %d", texts(replay), ack.Seq+1)
	}
	// The code sent before the crash still works (it may have been
	// delivered twice: the outbox delivers at least once).
	code := codeFrom(t, waitMail(t, mail))
	wantInput(t, p.say(code), "new_password")
	wantStatus(t, p.say("tulip harbor seven lanterns"), "closed", "resolved")
	if got := postSignIn(t, srv.URL, "olivia.active", "tulip harbor seven lanterns"); got != 303 {
		t.Errorf("sign-in with the new password after the crash: %d, want 303", got)
	}
	srv.stop(t)

	db, err := sqlite.Open(context.Background(), dbPath, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	msgs, err := db.Messages(context.Background(), w.Conversation, 0)
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
	c, err := db.Conversation(context.Background(), w.Conversation)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != bot.StatusClosed || c.Resolution != bot.Resolved || c.LastSeq != int64(len(msgs)) {
		t.Errorf("conversation %s/%s last seq %d with %d messages, want closed/resolved and matching", c.Status, c.Resolution, c.LastSeq, len(msgs))
	}
}

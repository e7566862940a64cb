package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// issue commits a turn that issues one code and returns it as stored.
func issue(t *testing.T, s Store, c *bot.Conversation, purpose string, created time.Time) bot.Code {
	t.Helper()
	turn := &bot.Turn{Conversation: c, Codes: []bot.Code{{
		Purpose: purpose, Subject: "rec-1", Channel: "email",
		Salt: []byte("salt-" + created.String()), Hash: []byte("hash-" + created.String()),
		ExpiresAt: created.Add(10 * time.Minute), CreatedAt: created,
	}}}
	mustCommit(t, s, turn)
	code := turn.Codes[0]
	if code.ID == "" || code.ConversationID != c.ID {
		t.Fatalf("issued code: got ID %q ConversationID %q, want an ID and %q", code.ID, code.ConversationID, c.ID)
	}
	return code
}

func testCodes(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	c := newConversation(t, s, "c1")

	_, err := s.ActiveCode(ctx, "c1", "verify")
	wantCode(t, "ActiveCode before any", err, bot.ENOTFOUND)

	first := issue(t, s, c, "verify", t0)
	got, err := s.ActiveCode(ctx, "c1", "verify")
	if err != nil {
		t.Fatalf("ActiveCode: %v", err)
	}
	if got.ID != first.ID || string(got.Hash) != string(first.Hash) || string(got.Salt) != string(first.Salt) ||
		!got.ExpiresAt.Equal(first.ExpiresAt) || got.Subject != "rec-1" || got.Channel != "email" || !got.UsedAt.IsZero() {
		t.Errorf("ActiveCode: got %+v, want %+v", got, first)
	}

	for want := 1; want <= 3; want++ {
		n, err := s.AddCodeTry(ctx, first.ID)
		if err != nil || n != want {
			t.Fatalf("AddCodeTry #%d: got %d, %v; want %d", want, n, err, want)
		}
	}
	if got, _ := s.ActiveCode(ctx, "c1", "verify"); got == nil || got.Tries != 3 {
		t.Errorf("ActiveCode tries: got %+v, want 3 tries", got)
	}
	_, err = s.AddCodeTry(ctx, "no-such-code")
	wantCode(t, "AddCodeTry of unknown code", err, bot.ENOTFOUND)

	// A new code voids the earlier one: only the newest is active or usable.
	other := issue(t, s, c, "activate", t0.Add(time.Second)) // another purpose: untouched
	second := issue(t, s, c, "verify", t0.Add(2*time.Second))
	got, err = s.ActiveCode(ctx, "c1", "verify")
	if err != nil || got.ID != second.ID {
		t.Fatalf("ActiveCode after reissue: got %+v, %v; want the second code", got, err)
	}
	wantCode(t, "ConsumeCode of a voided code", s.ConsumeCode(ctx, first.ID, t0), bot.ECONFLICT)
	if got, err := s.ActiveCode(ctx, "c1", "activate"); err != nil || got.ID != other.ID {
		t.Errorf("ActiveCode(activate): got %+v, %v; want the code of the other purpose", got, err)
	}

	// An expired code is still returned: the caller judges expiry.
	late := t0.Add(time.Hour)
	if got, err := s.ActiveCode(ctx, "c1", "verify"); err != nil || !got.ExpiresAt.Before(late) {
		t.Errorf("ActiveCode of an expired code: got %+v, %v; want it returned", got, err)
	}

	if err := s.ConsumeCode(ctx, second.ID, t0.Add(3*time.Second)); err != nil {
		t.Fatalf("ConsumeCode: %v", err)
	}
	wantCode(t, "ConsumeCode twice", s.ConsumeCode(ctx, second.ID, t0), bot.ECONFLICT)
	wantCode(t, "ConsumeCode of unknown code", s.ConsumeCode(ctx, "no-such-code", t0), bot.ECONFLICT)
	_, err = s.ActiveCode(ctx, "c1", "verify")
	wantCode(t, "ActiveCode after consume", err, bot.ENOTFOUND)
}

// testCodeConsumeRace: two (here twenty) correct submissions at once,
// exactly one wins.
func testCodeConsumeRace(t *testing.T, open func(t *testing.T) Store) {
	const racers = 20
	ctx := context.Background()
	s := open(t)
	c := newConversation(t, s, "c1")
	code := issue(t, s, c, "verify", t0)

	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, racers)
	)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.ConsumeCode(ctx, code.ID, t0)
		}()
	}
	close(start)
	wg.Wait()

	won := 0
	for _, err := range errs {
		switch bot.ErrorCode(err) {
		case "":
			won++
		case bot.ECONFLICT:
		default:
			t.Errorf("ConsumeCode race: got error %v, want nil or conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("ConsumeCode race: %d of %d callers won, want exactly 1", won, racers)
	}
}

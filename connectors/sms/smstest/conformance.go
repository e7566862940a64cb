package smstest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/sms"
)

// concurrentCalls is how many calls race in the concurrency tests
// (SECURITY.md: at least 20).
const concurrentCalls = 40

// RunStoreTests checks a Store against the contract of sms.Suppressions
// and sms.RateStore; open returns a new, empty store. The SQLite store's
// tests (and any other store's) call it.
func RunStoreTests(t *testing.T, open func(t *testing.T) Store) {
	t.Run("Suppressions", func(t *testing.T) { testSuppressions(t, open(t)) })
	t.Run("SuppressOnceUnderConcurrency", func(t *testing.T) { testSuppressConcurrent(t, open(t)) })
	t.Run("Admit", func(t *testing.T) { testAdmit(t, open(t)) })
	t.Run("AdmitAllOrNothing", func(t *testing.T) { testAdmitAllOrNothing(t, open(t)) })
	t.Run("AdmitExactBoundUnderConcurrency", func(t *testing.T) { testAdmitConcurrent(t, open(t)) })
	t.Run("SessionsAndEnqueue", func(t *testing.T) {
		s, ok := open(t).(SessionStore)
		if !ok {
			t.Skip("this store keeps no SMS sessions")
		}
		testSessionsAndEnqueue(t, s)
	})
}

// SessionStore is a store that also keeps the SMS sessions and queues
// deliveries outside a turn, as Portico's stores do.
type SessionStore interface {
	Store
	sms.Sessions
	sms.Queue
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]bot.PendingDelivery, error)
}

func testSessionsAndEnqueue(t *testing.T, db SessionStore) {
	ctx := context.Background()
	const pair = "+13125550000:+16175550111"
	if _, err := db.SMSSession(ctx, pair); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("no session yet: got %v, want not found", err)
	}
	for _, id := range []string{"c1", "c2"} {
		if err := db.SetSMSSession(ctx, pair, id, t0); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.SMSSession(ctx, pair); err != nil || got != "c2" {
		t.Fatalf("session: got %q, %v; want the latest, c2", got, err)
	}
	d := bot.Delivery{Channel: bot.DeliverSMS, To: "+16175550111", Text: "Reply START", Key: sms.ReplyKey("SM1")}
	for range 2 {
		if err := db.Enqueue(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	due, err := db.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].To != d.To || due[0].Text != d.Text {
		t.Fatalf("queued twice under one key: %+v, want one delivery", due)
	}
	if err := db.RecordSMSSegments(ctx, "c2", "out", 2, t0); err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)

func testSuppressions(t *testing.T, s Store) {
	ctx := context.Background()
	const a, b = "+13125550101", "+13125550102"
	steps := []struct {
		name string
		do   func() (bool, error)
		want bool
	}{
		{"not on the list at first", func() (bool, error) { return s.SMSSuppressed(ctx, a) }, false},
		{"first STOP adds", func() (bool, error) { return s.SuppressSMS(ctx, a, "SM1", t0) }, true},
		{"now on the list", func() (bool, error) { return s.SMSSuppressed(ctx, a) }, true},
		{"other number untouched", func() (bool, error) { return s.SMSSuppressed(ctx, b) }, false},
		{"redelivery of the same STOP confirms again", func() (bool, error) { return s.SuppressSMS(ctx, a, "SM1", t0) }, true},
		{"a second STOP does not", func() (bool, error) { return s.SuppressSMS(ctx, a, "SM2", t0.Add(time.Minute)) }, false},
		{"START removes", func() (bool, error) { return s.UnsuppressSMS(ctx, a) }, true},
		{"off the list", func() (bool, error) { return s.SMSSuppressed(ctx, a) }, false},
		{"removing again finds nothing", func() (bool, error) { return s.UnsuppressSMS(ctx, a) }, false},
		{"a new STOP adds again", func() (bool, error) { return s.SuppressSMS(ctx, a, "SM3", t0.Add(time.Hour)) }, true},
	}
	for _, st := range steps {
		got, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Fatalf("%s: got %v, want %v", st.name, got, st.want)
		}
	}
}

func testSuppressConcurrent(t *testing.T, s Store) {
	const number = "+13125550103"
	firsts := race(t, func(i int) (bool, error) {
		return s.SuppressSMS(context.Background(), number, fmt.Sprintf("SM%d", i), t0)
	})
	if firsts != 1 {
		t.Fatalf("%d concurrent STOPs from one number: %d confirmed, want exactly 1", concurrentCalls, firsts)
	}
}

func testAdmit(t *testing.T, s Store) {
	ctx := context.Background()
	b := []sms.Bucket{{Key: "k", Limit: sms.Limit{Count: 3, Window: time.Minute}}}
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {10 * time.Second, true}, {20 * time.Second, true},
		{30 * time.Second, false}, // fourth within the minute
		{59 * time.Second, false},
		{60 * time.Second, true},  // the first has left the window
		{61 * time.Second, false}, // the refused ones were not counted, but 10s, 20s and 60s are
		{80 * time.Second, true},  // 10s and 20s have left
		{10 * time.Minute, true},  // long after
	}
	for _, st := range steps {
		got, err := s.AdmitSMS(ctx, t0.Add(st.at), b)
		if err != nil {
			t.Fatalf("admit at +%v: %v", st.at, err)
		}
		if got != st.want {
			t.Fatalf("admit at +%v: got %v, want %v", st.at, got, st.want)
		}
	}
}

func testAdmitAllOrNothing(t *testing.T, s Store) {
	ctx := context.Background()
	minute := time.Minute
	full := sms.Bucket{Key: "full", Limit: sms.Limit{Count: 1, Window: minute}}
	other := sms.Bucket{Key: "other", Limit: sms.Limit{Count: 2, Window: minute}}
	steps := []struct {
		name    string
		buckets []sms.Bucket
		want    bool
	}{
		{"fill the first", []sms.Bucket{full}, true},
		{"refused by the full bucket", []sms.Bucket{other, full}, false},
		{"refused again", []sms.Bucket{full, other}, false},
		{"the other bucket kept both places", []sms.Bucket{other}, true},
		{"second place", []sms.Bucket{other}, true},
		{"and is now full", []sms.Bucket{other}, false},
	}
	for _, st := range steps {
		got, err := s.AdmitSMS(ctx, t0, st.buckets)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Fatalf("%s: got %v, want %v", st.name, got, st.want)
		}
	}
}

func testAdmitConcurrent(t *testing.T, s Store) {
	const limit = 7
	// One sender floods; each message also counts against our number.
	sender := sms.Bucket{Key: "sms.from:+13125550104", Limit: sms.Limit{Count: limit, Window: time.Hour}}
	number := sms.Bucket{Key: "sms.to:+13125550000", Limit: sms.Limit{Count: 1000, Window: time.Hour}}
	admitted := race(t, func(int) (bool, error) {
		return s.AdmitSMS(context.Background(), t0, []sms.Bucket{sender, number})
	})
	if admitted != limit {
		t.Fatalf("%d concurrent messages, limit %d: %d admitted", concurrentCalls, limit, admitted)
	}
	// The refused ones used none of our number's allowance: many senders
	// racing for its last places get exactly what is left.
	small := sms.Bucket{Key: number.Key, Limit: sms.Limit{Count: limit + 5, Window: time.Hour}}
	admitted = race(t, func(i int) (bool, error) {
		from := sms.Bucket{Key: fmt.Sprintf("sms.from:+1312555%04d", 2000+i), Limit: sender.Limit}
		return s.AdmitSMS(context.Background(), t0, []sms.Bucket{from, small})
	})
	if admitted != 5 {
		t.Fatalf("%d senders racing for the 5 places left on our number: %d admitted", concurrentCalls, admitted)
	}
}

// race runs call concurrentCalls times at once and counts the true
// results.
func race(t *testing.T, call func(i int) (bool, error)) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count int
		start = make(chan struct{})
		errs  = make(chan error, concurrentCalls)
	)
	for i := range concurrentCalls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := call(i)
			if err != nil {
				errs <- err
				return
			}
			if ok {
				mu.Lock()
				count++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent call: %v", err)
	}
	return count
}

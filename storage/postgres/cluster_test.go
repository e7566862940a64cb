package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
)

// What several nodes share besides the store: the conversation lock, the
// bus, leases and presence. Each "node" here has pools of its own on one
// schema, as separate processes would.

// nodePools opens n lock pools on one fresh schema, with the store's
// migrations applied; the returned store's pool serves the rest.
func nodePools(t *testing.T, n int) (*postgres.DB, postgres.Options, []*pgxpool.Pool) {
	t.Helper()
	o := pgtest.Options(t)
	db, err := postgres.Open(context.Background(), o, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var pools []*pgxpool.Pool
	for range n {
		p, err := postgres.LockPool(context.Background(), o, 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		pools = append(pools, p)
	}
	return db, o, pools
}

func TestLockerSerializesAConversationAcrossNodes(t *testing.T) {
	_, _, pools := nodePools(t, 2)
	a, b := postgres.NewLocker(pools[0]), postgres.NewLocker(pools[1])
	ctx := context.Background()

	unlock, err := a.Lock(ctx, "conv-1")
	if err != nil {
		t.Fatal(err)
	}
	// Another conversation is free.
	u2, err := b.Lock(ctx, "conv-2")
	if err != nil {
		t.Fatal(err)
	}
	u2()
	// The same one waits for node a.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(short, "conv-1"); err == nil {
		t.Fatal("node b locked conv-1 while node a held it")
	}
	got := make(chan error, 1)
	go func() {
		u, err := b.Lock(ctx, "conv-1")
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("node b after node a's unlock: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("node b still waits after node a unlocked")
	}
}

func TestLockOfADeadNodeIsReleased(t *testing.T) {
	db, _, pools := nodePools(t, 2)
	a, b := postgres.NewLocker(pools[0]), postgres.NewLocker(pools[1])
	ctx := context.Background()
	deadUnlock, err := a.Lock(ctx, "conv-1")
	if err != nil {
		t.Fatal(err)
	}
	defer deadUnlock() // gives the dead connection back to its pool, so that it can close
	// Node a's process dies: PostgreSQL ends its backend.
	var killed int
	err = db.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
		AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(current_schema() || '/conversation/conv-1', 0)`).Scan(&killed)
	if err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d backends holding the lock, want 1", killed)
	}
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u, err := b.Lock(wait, "conv-1")
	if err != nil {
		t.Fatalf("node b after node a died: %v", err)
	}
	u()
}

func TestBusCarriesNoticesToOtherNodes(t *testing.T) {
	db, o, _ := nodePools(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	busA, err := postgres.NewBus(ctx, db.Pool(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgxpool.New(ctx, pgtest.URL(t)) // another schema must not hear it
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	busOther, err := postgres.NewBus(ctx, other, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	poolB, err := postgres.LockPool(ctx, o, 1) // node b's pool, for its listener's settings
	if err != nil {
		t.Fatal(err)
	}
	defer poolB.Close()
	busB, err := postgres.NewBus(ctx, poolB, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}

	heard := make(chan bot.Notice, 10)
	stray := make(chan bot.Notice, 10)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = busB.Listen(ctx, func(n bot.Notice) { heard <- n }) }()
	go func() { defer wg.Done(); _ = busOther.Listen(ctx, func(n bot.Notice) { stray <- n }) }()
	defer wg.Wait()
	defer cancel()

	want := bot.Notice{Node: "a", Kind: bot.NoticeTurn, Conversation: "conv-1", Seq: 7}
	// The listener may not be listening yet: publish until it hears.
	deadline := time.After(5 * time.Second)
	for got := false; !got; {
		if err := busA.Publish(ctx, want); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-heard:
			if n != want {
				t.Fatalf("heard %+v, want %+v", n, want)
			}
			got = true
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("node b heard nothing")
		}
	}
	typing := bot.Notice{Node: "a", Kind: bot.NoticeTyping, Conversation: "conv-1", From: bot.FromAgent, On: true}
	if err := busA.Publish(ctx, typing); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-heard:
		for n == want { // an extra copy of the first, published before b listened
			n = <-heard
		}
		if n != typing {
			t.Fatalf("heard %+v, want %+v", n, typing)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("node b did not hear the typing notice")
	}
	select {
	case n := <-stray:
		t.Fatalf("another schema heard %+v", n)
	default:
	}
}

func TestLeaseIsHeldByOneNodeAndTakenOverWhenItLapses(t *testing.T) {
	db, _, _ := nodePools(t, 0)
	ctx := context.Background()
	a, b := postgres.NewLeases(db.Pool(), "a"), postgres.NewLeases(db.Pool(), "b")
	hold := func(l *postgres.Leases, ttl time.Duration) bool {
		t.Helper()
		ok, err := l.Hold(ctx, "sweep", ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	const ttl = 300 * time.Millisecond
	if !hold(a, ttl) {
		t.Fatal("node a could not take a free lease")
	}
	if hold(b, ttl) {
		t.Fatal("node b took node a's lease")
	}
	if !hold(a, ttl) {
		t.Fatal("node a could not renew its lease")
	}
	// Node a stops renewing (it died): once the lease lapses, b takes it.
	deadline := time.Now().Add(5 * time.Second)
	for !hold(b, time.Minute) {
		if time.Now().After(deadline) {
			t.Fatal("node b never took the lapsed lease")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if hold(a, ttl) {
		t.Fatal("node a took back the lease node b holds")
	}

	// Twenty nodes at once: one holds it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	held := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := postgres.NewLeases(db.Pool(), string(rune('c'+i))).Hold(ctx, "retention", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				held++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if held != 1 {
		t.Errorf("%d of 20 nodes hold the lease, want 1", held)
	}
}

func TestPresenceIsSharedBetweenNodes(t *testing.T) {
	db, _, _ := nodePools(t, 0)
	ctx := context.Background()
	a, b := postgres.NewPresence(db.Pool(), "a"), postgres.NewPresence(db.Pool(), "b")
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := a.Here(ctx, []string{"agent:ana", "conversation:c1"}, t0, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	seen, err := b.Here(ctx, []string{"agent:ben"}, t0.Add(time.Second), t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]time.Time{"agent:ana": t0, "conversation:c1": t0, "agent:ben": t0.Add(time.Second)} {
		if got := seen[key]; !got.Equal(want) {
			t.Errorf("%s last seen %v, want %v", key, got, want)
		}
	}
	// Reports older than since are not returned.
	seen, err = b.Here(ctx, nil, t0.Add(time.Minute), t0.Add(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := seen["agent:ana"]; ok {
		t.Error("a report older than since was returned")
	}
}

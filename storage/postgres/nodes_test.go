package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
)

// Several nodes share one database: each test below opens two stores
// (two pools, as two processes would have) on the same schema and spreads
// concurrent work over them.

// openNodes opens n stores on one fresh schema, at the same moment, as
// nodes starting together do: the migrations are applied once.
func openNodes(t *testing.T, n int) []*postgres.DB {
	t.Helper()
	opts := pgtest.Options(t)
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(context.Background(), opts, zerolog.Nop()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open node %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	return dbs
}

// race runs fn(i, node) for i < n at once, spread over the nodes.
func race(n int, nodes []*postgres.DB, fn func(i int, db *postgres.DB)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i, nodes[i%len(nodes)])
		})
	}
	close(start)
	wg.Wait()
}

func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	nodes := openNodes(t, 4)
	var n int
	if err := nodes[0].Pool().QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := len(postgres.Migrations()); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}

func TestReserveHoldsAcrossNodes(t *testing.T) {
	const attempts, limit = 40, 5
	nodes := openNodes(t, 2)
	ctx := context.Background()
	now := time.Now()
	granted := make([]bool, attempts)
	race(attempts, nodes, func(i int, db *postgres.DB) {
		_, ok, err := db.Reserve(ctx, bot.Reservation{Kind: "verify.record", Key: "r1", At: now,
			Windows: []bot.Window{{Since: now.Add(-time.Hour), Max: limit}}})
		if err != nil {
			t.Errorf("Reserve %d: %v", i, err)
		}
		granted[i] = ok
	})
	n := 0
	for _, ok := range granted {
		if ok {
			n++
		}
	}
	recorded, err := nodes[1].CountAttempts(ctx, "verify.record", "r1", now.Add(-time.Hour))
	if n != limit || recorded != limit || err != nil {
		t.Errorf("%d reservations over 2 nodes against a limit of %d: %d granted, %d recorded (%v); want %d and %d",
			attempts, limit, n, recorded, err, limit, limit)
	}
}

func TestClaimsHoldAcrossNodes(t *testing.T) {
	const claims = 20
	nodes := openNodes(t, 2)
	ctx := context.Background()
	convs := make([]*bot.Conversation, claims)
	for i := range convs {
		c := &bot.Conversation{ID: fmt.Sprintf("c%02d", i), Status: bot.StatusQueued, Slots: map[string]string{}}
		if err := nodes[0].CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		convs[i] = c
	}
	won := make([]bool, claims)
	race(claims, nodes, func(i int, db *postgres.DB) {
		next := *convs[i]
		next.Status, next.Agent = bot.StatusAgent, "ana"
		err := db.Commit(ctx, &bot.Turn{Conversation: &next, AgentLimit: &bot.AgentLimit{Agent: "ana", Max: 1}})
		switch bot.ErrorCode(err) {
		case "":
			won[i] = true
		case bot.ECAPACITY:
		default:
			t.Errorf("claim %d: %v", i, err)
		}
	})
	n := 0
	for _, w := range won {
		if w {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d claims by an agent of capacity 1 over 2 nodes: %d won, want exactly 1", claims, n)
	}
}

func TestSeqsAndTheAuditChainHoldAcrossNodes(t *testing.T) {
	const writers, turns = 10, 5
	nodes := openNodes(t, 2)
	ctx := context.Background()
	if err := nodes[0].CreateConversation(ctx, &bot.Conversation{ID: "c1", Status: bot.StatusBot, Slots: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	race(writers, nodes, func(i int, db *postgres.DB) {
		for j := range turns {
			c, err := db.Conversation(ctx, "c1")
			if err != nil {
				t.Error(err)
				return
			}
			turn := &bot.Turn{Conversation: c, Messages: []bot.Message{{From: bot.FromBot, Text: fmt.Sprintf("%d/%d", i, j)}},
				Audit: []bot.AuditEvent{{Type: "test", Detail: fmt.Sprintf("%d/%d", i, j)}}}
			if err := db.Commit(ctx, turn); err != nil {
				t.Errorf("commit %d/%d: %v", i, j, err)
			}
		}
	})
	msgs, err := nodes[1].Messages(ctx, "c1", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d, want %d: seqs have gaps or repeats", i, m.Seq, i+1)
		}
	}
	if len(msgs) != writers*turns {
		t.Errorf("%d messages, want %d", len(msgs), writers*turns)
	}
	if n, err := nodes[0].VerifyAudit(ctx); n != writers*turns || err != nil {
		t.Errorf("audit chain: %d rows verify (%v), want %d", n, err, writers*turns)
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://portico:s3cret@db:5432/portico?sslmode=require", "postgres://portico:xxxxx@db:5432/portico?sslmode=require"},
		{"postgres://portico@db/portico", "postgres://portico@db/portico"},
		{"postgres://db/portico?password=s3cret&sslmode=disable", "postgres://db/portico?password=xxxxx&sslmode=disable"},
		{"host=db user=portico password=s3cret dbname=portico", "host=db user=portico password=xxxxx dbname=portico"},
		{"host=db password='s3 cret' dbname=portico", "host=db password=xxxxx dbname=portico"},
		{"postgres://portico:s3%zzcret@db/portico", "postgres://portico:xxxxx@db/portico"},
	} {
		if got := postgres.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

package bot_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// heldCount counts the conversations an agent holds, as stored.
func (h *harness) heldCount(agentID string) int {
	h.t.Helper()
	var n int
	if err := h.env.DB.Reader().QueryRowContext(h.ctx,
		`SELECT count(*) FROM conversations WHERE status = 'agent' AND agent = ?`, agentID).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// waiting opens n chats that wait in the queue (nobody is available).
func (h *harness) waiting(n int) []*chat {
	h.t.Helper()
	out := make([]*chat, n)
	for i := range out {
		h.env.Clock.Advance(time.Second) // in line by time, not by ID
		out[i] = h.queued()
		if s := out[i].conv().Status; s != bot.StatusQueued {
			h.t.Fatalf("chat %d: %s, want queued", i, s)
		}
	}
	return out
}

// TestClaimAndTransferRespectCapacity: a claim from the console and a
// transfer to a named agent are refused once the agent holds their
// capacity, with a message that says so; only someone the override names,
// asking to, goes beyond it, and that is audited.
func TestClaimAndTransferRespectCapacity(t *testing.T) {
	admin := bot.AgentInfo{ID: "agent-adm", Name: "Ada", Role: bot.RoleAdmin, Capacity: 1}
	agent := bot.AgentInfo{ID: "agent-cy", Name: "Cy", Role: bot.RoleAgent, Capacity: 1}
	tests := []struct {
		name     string
		override string
		who      bot.AgentInfo
		over     bool
		wantCode string // "" for success
		wantText string
	}{
		{"agent at capacity", bot.OverrideNone, agent, false, bot.ECAPACITY, "You already have 1 chat"},
		{"admin at capacity, not asking to go beyond", bot.OverrideAdmins, admin, false, bot.ECAPACITY, "You already have 1 chat"},
		{"asking to go beyond when nobody may", bot.OverrideNone, admin, true, bot.EUNAUTHORIZED, "only nobody here may"},
		{"an agent asking when only admins may", bot.OverrideAdmins, agent, true, bot.EUNAUTHORIZED, "only admins may"},
		{"an admin asking when admins may", bot.OverrideAdmins, admin, true, "", ""},
		{"an agent asking when everyone may", bot.OverrideEveryone, agent, true, "", ""},
	}
	for _, tt := range tests {
		t.Run("claim: "+tt.name, func(t *testing.T) {
			h := newDeskHarness(t, func(c *bot.Config) { c.AutoAssign, c.CapacityOverride = false, tt.override })
			h.connect(tt.who)
			chats := h.waiting(2)
			if err := h.eng.Claim(h.ctx, tt.who.ID, chats[0].id, false); err != nil {
				t.Fatalf("first claim, under capacity: %v", err)
			}
			err := h.eng.Claim(h.ctx, tt.who.ID, chats[1].id, tt.over)
			if got := bot.ErrorCode(err); got != tt.wantCode || !strings.Contains(bot.ErrorMessage(err), tt.wantText) {
				t.Fatalf("second claim: got %v, want code %q saying %q", err, tt.wantCode, tt.wantText)
			}
			wantHeld, wantStatus := 1, bot.StatusQueued
			if tt.wantCode == "" {
				wantHeld, wantStatus = 2, bot.StatusAgent
			}
			if got := h.heldCount(tt.who.ID); got != wantHeld {
				t.Errorf("agent holds %d chats, want %d", got, wantHeld)
			}
			if got := chats[1].conv().Status; got != wantStatus {
				t.Errorf("second chat: %s, want %s", got, wantStatus)
			}
			var details []string
			for _, a := range h.auditOf("claim") {
				details = append(details, a.Detail)
			}
			wantDetails := ""
			if tt.wantCode == "" {
				wantDetails = "|over_capacity"
			}
			if got := strings.Join(details, "|"); got != wantDetails {
				t.Errorf("claim audit details %q, want %q", got, wantDetails)
			}
		})
	}
	for _, tt := range tests {
		t.Run("transfer: "+tt.name, func(t *testing.T) {
			h := newDeskHarness(t, func(c *bot.Config) { c.AutoAssign, c.CapacityOverride = false, tt.override })
			target := bot.AgentInfo{ID: "agent-tia", Name: "Tia", Capacity: 1}
			h.connect(target)
			from := tt.who
			from.Capacity = 5
			h.connect(from)
			chats := h.waiting(2)
			for i, who := range []string{target.ID, from.ID} {
				if err := h.eng.Claim(h.ctx, who, chats[i].id, false); err != nil {
					t.Fatal(err)
				}
			}
			err := h.eng.Transfer(h.ctx, from.ID, chats[1].id, "", target.ID, "", tt.over)
			wantText := strings.ReplaceAll(tt.wantText, "You already have", "Tia already has")
			if got := bot.ErrorCode(err); got != tt.wantCode || !strings.Contains(bot.ErrorMessage(err), wantText) {
				t.Fatalf("transfer to Tia at capacity: got %v, want code %q saying %q", err, tt.wantCode, wantText)
			}
			wantHolder, wantTia := from.ID, 1
			if tt.wantCode == "" {
				wantHolder, wantTia = target.ID, 2
			}
			if got := chats[1].conv().Agent; got != wantHolder {
				t.Errorf("chat held by %q, want %q", got, wantHolder)
			}
			if got := h.heldCount(target.ID); got != wantTia {
				t.Errorf("Tia holds %d chats, want %d", got, wantTia)
			}
			if tt.wantCode == "" {
				if tr := h.auditOf("transfer"); len(tr) != 1 || tr[0].Detail != "agent:"+target.ID+" over_capacity" {
					t.Errorf("transfer audit %+v, want one to Tia marked over_capacity", tr)
				}
			}
		})
	}
}

// TestConcurrentClaimsNeverExceedCapacity: one agent claiming many
// different chats at the same instant ends up with exactly their capacity,
// on one node or on two nodes sharing the database.
func TestConcurrentClaimsNeverExceedCapacity(t *testing.T) {
	const capacity, attempts = 3, 24
	for _, nodes := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d nodes", nodes), func(t *testing.T) {
			h := newDeskHarness(t, func(c *bot.Config) { c.AutoAssign = false })
			me := bot.AgentInfo{ID: "agent-max", Name: "Max", Capacity: capacity}
			engines := []*bot.Engine{h.eng}
			for len(engines) < nodes {
				engines = append(engines, h.deskEngine(h.deskConfig(func(c *bot.Config) { c.AutoAssign = false })))
			}
			for _, e := range engines {
				if err := e.AttachAgent(h.ctx, me, &console{}); err != nil {
					t.Fatal(err)
				}
			}
			obs := h.connect(observer)
			chats := h.waiting(attempts)

			start := make(chan struct{})
			errs := make([]error, attempts)
			var wg sync.WaitGroup
			for i, c := range chats {
				wg.Go(func() {
					<-start
					errs[i] = engines[i%nodes].Claim(h.ctx, me.ID, c.id, false)
				})
			}
			close(start)
			wg.Wait()

			won, full := 0, 0
			for i, err := range errs {
				switch bot.ErrorCode(err) {
				case "":
					won++
				case bot.ECAPACITY:
					full++
				default:
					t.Errorf("claim %d: got %v, want success or ECAPACITY", i, err)
				}
			}
			if won != capacity || full != attempts-capacity {
				t.Errorf("got %d claims won and %d refused as at capacity, want %d and %d", won, full, capacity, attempts-capacity)
			}
			if got := h.heldCount(me.ID); got != capacity {
				t.Errorf("agent holds %d chats, want exactly %d", got, capacity)
			}
			// The desk's numbers stay true: the queue lists every chat not taken.
			if nodes == 1 {
				if got := len(lastQueue(obs.All())); got != attempts-capacity {
					t.Errorf("queue lists %d chats, want %d", got, attempts-capacity)
				}
			}
		})
	}
}

// TestGoingBeyondCapacityKeepsTheDeskTrue: an admin who took a chat
// beyond their capacity holds one more than it; auto-assignment gives
// them nothing until they are back under it.
func TestGoingBeyondCapacityKeepsTheDeskTrue(t *testing.T) {
	h := newDeskHarness(t, func(c *bot.Config) { c.CapacityOverride = bot.OverrideAdmins })
	adm := bot.AgentInfo{ID: "agent-adm", Name: "Ada", Role: bot.RoleAdmin, Capacity: 1}
	away := adm
	away.Away = true
	h.connect(away)
	chats := h.waiting(4)
	if err := h.eng.Claim(h.ctx, adm.ID, chats[0].id, false); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Claim(h.ctx, adm.ID, chats[1].id, true); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.SetPresence(h.ctx, adm.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := heldBy(chats...); got[2] != "" || got[3] != "" {
		t.Fatalf("available at 2 of 1 chats: held by %q, want nothing more assigned", got)
	}
	// Closing one leaves 1 of 1: still nothing; closing the other frees a seat.
	for i, want := range []string{"", adm.ID} {
		if err := h.eng.CloseChat(h.ctx, adm.ID, chats[i].id, bot.Resolved); err != nil {
			t.Fatal(err)
		}
		if got := chats[2].conv().Agent; got != want {
			t.Errorf("after closing %d chats: the next waiting chat held by %q, want %q", i+1, got, want)
		}
	}
}

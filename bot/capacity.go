package bot

import (
	"fmt"
	"strings"
)

// An agent's capacity bounds every way a chat reaches them: auto-assignment
// (which never goes beyond it), a claim and a transfer to them by name. Only
// a person Config.CapacityOverride names may go beyond it, and only by
// asking to (the console's "Take it anyway"); that decision is audited.
// The bound is checked where the move is committed (Turn.AgentLimit), so
// it holds under concurrent claims and across nodes sharing the database.

// capacityOf is how many chats an agent takes at once.
func (e *Engine) capacityOf(a AgentInfo) int {
	if a.Capacity > 0 {
		return a.Capacity
	}
	return e.cfg.AgentCapacity
}

// mayExceed reports whether an agent may knowingly go beyond a capacity.
func (e *Engine) mayExceed(a AgentInfo) bool {
	switch e.cfg.CapacityOverride {
	case OverrideEveryone:
		return true
	case OverrideAdmins:
		return a.Role == RoleAdmin
	}
	return false
}

// CapacityFor tells a console an agent's capacity and whether they may go
// beyond one, so the console can offer "Take it anyway" only to them.
func (e *Engine) CapacityFor(a AgentInfo) (chats int, mayExceed bool) {
	return e.capacityOf(a), e.mayExceed(a)
}

// seatFor returns the limit a move to agent a commits under, or nil when
// actor knowingly goes beyond it. A request to go beyond from someone not
// allowed to is refused.
func (e *Engine) seatFor(actor, a AgentInfo, over bool) (*AgentLimit, error) {
	if !over {
		return &AgentLimit{Agent: a.ID, Max: e.capacityOf(a)}, nil
	}
	if !e.mayExceed(actor) {
		return nil, Errorf(EUNAUTHORIZED, "only %s may go beyond a capacity", overriders(e.cfg.CapacityOverride))
	}
	return nil, nil
}

// overriders names who may go beyond a capacity, for a refusal.
func overriders(rule string) string {
	if rule == OverrideAdmins {
		return "admins"
	}
	return "nobody here" // OverrideNone; OverrideEveryone never refuses
}

// atCapacity rewords a store's ECAPACITY for the person who asked: you
// (a claim) or the agent named (a transfer).
func atCapacity(err error, self bool, a AgentInfo, capacity int) error {
	if ErrorCode(err) != ECAPACITY {
		return err
	}
	chats := plural(capacity, "chat")
	if self {
		return Errorf(ECAPACITY, "You already have %s, your limit. Close or transfer one first.", chats)
	}
	name := strings.TrimSpace(a.Name)
	if name == "" {
		name = a.ID
	}
	return Errorf(ECAPACITY, "%s already has %s, their limit. Transfer to a queue, or to someone else.", name, chats)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

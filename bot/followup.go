package bot

import (
	"fmt"
	"strconv"
	"strings"
)

// createFollowup keeps the message a patient left when nobody could take
// the chat, and tells the support mailbox (without PHI) if there is one.
func (t *turn) createFollowup(contact, question string) (string, error) {
	queue := t.conv.Slots[slotLeftQueue]
	if queue == "" {
		queue = t.e.cfg.DefaultQueue
	}
	if t.e.deskStore == nil {
		return "", fmt.Errorf("create follow-up: no desk store")
	}
	f := Followup{ID: newID(), ConversationID: t.conv.ID, Queue: queue, Contact: contact, Question: question, CreatedAt: t.now}
	if err := t.e.deskStore.AddFollowup(t.ctx, f); err != nil {
		return "", err
	}
	t.audit("followup.created", "ok", queue)
	if box := t.e.cfg.SupportMailbox; box != "" {
		t.deliver("email", box, "A patient left a message in "+t.e.cfg.PortalName,
			"A patient left a message for the "+queue+" team. Open the Portico console to read and answer it.", "followup")
	}
	t.followupAdded = true
	return outcomeDone, nil
}

// saveRating records the patient's rating of a chat with an agent.
func (t *turn) saveRating(rating, comment string) (string, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(rating, "r"))
	if err != nil || n < 1 || n > 5 {
		return outcomeDone, nil // skipped
	}
	t.conv.Slots["rating"] = strconv.Itoa(n)
	detail := ""
	if c := fold(comment); c != "" && c != "skip" && !no(c) { // the flow says "if not, just type no"
		detail = "with comment"
	}
	t.audit("rating", strconv.Itoa(n), detail)
	return outcomeDone, nil
}

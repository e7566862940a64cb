package sms

import (
	"context"
	"fmt"
)

// Gate decides what becomes of an inbound message before any flow sees
// it: carrier keywords, the suppression list and the rate limits.
//
//   - STOP and its synonyms always work, whatever the rate: the number is
//     put on the list and the opt-out confirmed once (a second STOP gets
//     silence).
//   - Every other message counts against the rate limits; one over them
//     is dropped.
//   - START, UNSTOP (and COMENZAR) take the number off the list and are
//     confirmed. YES does the same only for a number on the list:
//     otherwise it is an ordinary answer ("yes, I have a code").
//   - HELP, INFO (AYUDA) are answered with the clinic's name and how to
//     reach a person, even for a number on the list: the patient asked.
//   - Anything else from a number on the list is recorded, never
//     answered: the patient must text START first.
type Gate struct {
	List   Suppressions
	Limits Limiter
	Texts  Texts
	// Locale is the language of replies to the carrier-standard English
	// keywords (STOP, HELP …); a Spanish keyword is answered in Spanish.
	Locale string
	// ProviderReplies means the provider answers keywords itself (Twilio's
	// default opt-out handling): Portico keeps its list and sends no
	// keyword replies of its own, so the patient does not get two.
	ProviderReplies bool
}

// Route fills in m's Keyword, Reply, ReplyKey and RunFlow. It reports
// false when the message is over a rate limit and must be dropped.
func (g *Gate) Route(ctx context.Context, m *Message) (bool, error) {
	match := MatchKeyword(m.Body)
	m.Keyword, m.Reply, m.ReplyKey, m.RunFlow = NoKeyword, "", "", false
	if match.Keyword == OptOut {
		first, err := g.List.SuppressSMS(ctx, m.From, m.SID, m.Received)
		if err != nil {
			return false, fmt.Errorf("opt out: %w", err)
		}
		m.Keyword = OptOut
		if first {
			g.reply(m, match)
		}
		return true, nil
	}
	ok, err := g.Limits.Allow(ctx, m.From, m.To)
	if err != nil || !ok {
		return false, err
	}
	suppressed, err := g.List.SMSSuppressed(ctx, m.From)
	if err != nil {
		return false, fmt.Errorf("suppression list: %w", err)
	}
	switch {
	case match.Keyword == OptIn && (!match.conditional() || suppressed):
		if _, err := g.List.UnsuppressSMS(ctx, m.From); err != nil {
			return false, fmt.Errorf("opt in: %w", err)
		}
		m.Keyword = OptIn
		g.reply(m, match)
	case match.Keyword == Help:
		m.Keyword = Help
		g.reply(m, match)
	case suppressed:
		// Recorded, not answered.
	default:
		m.RunFlow = true
	}
	return true, nil
}

// reply sets the automatic reply to a keyword, in the keyword's own
// language or the gate's.
func (g *Gate) reply(m *Message, match Match) {
	if g.ProviderReplies {
		return
	}
	loc := match.Locale
	if loc == "" {
		loc = g.Locale
	}
	m.Reply = g.Texts.KeywordReply(match.Keyword, loc)
	m.ReplyKey = ReplyKey(m.SID)
}

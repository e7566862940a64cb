package sms

import (
	"strconv"

	"github.com/portico-chat/portico/bot"
)

// Channel renders what a turn says to an SMS conversation's patient as
// texts in the outbox (bot.Channel): numbered choices, split into parts
// of at most MaxSegments segments, each its own delivery. A question
// whose answer is a secret is never asked by text: the patient gets a
// link to the web chat instead (Links).
type Channel struct {
	// Links makes the links to the web chat. Without them the channel
	// cannot take a secret (TakesSecrets), and the engine refuses flows
	// that ask one.
	Links *Links
	Texts Texts
}

var (
	_ bot.Channel     = (*Channel)(nil)
	_ bot.SecretTaker = (*Channel)(nil)
)

// TakesSecrets implements bot.SecretTaker: only through the link.
func (ch *Channel) TakesSecrets() bool { return ch.Links != nil }

// Delivery keys of the texts a turn renders are "<turn key>:sms:<n>".
const renderKey = ":sms:"

// Preview is how m would be texted, for the flow editor's sandbox: link
// stands in for the link a secret question is replaced with.
func Preview(m bot.Message, locale, link string, texts Texts) []Part {
	text := Prompt(m.Text, m.Replies, locale)
	if m.Input != nil && m.Input.Kind == "secret" {
		text = texts.SecretLink(link, int(LinkTTL.Minutes()), locale)
	}
	return Split(text)
}

// Render implements bot.Channel.
func (ch *Channel) Render(c *bot.Conversation, key string, msgs []bot.Message) ([]bot.Delivery, error) {
	if c.Status == bot.StatusClosed && c.Resolution == bot.Abandoned {
		return nil, nil // the patient stopped texting: no text to say the chat closed
	}
	to := c.Peer()
	if to == "" {
		return nil, bot.Errorf(bot.EINVALID, "sms conversation %s has no number", c.ID)
	}
	var out []bot.Delivery
	for _, m := range msgs {
		text := Prompt(m.Text, m.Replies, c.Locale)
		if m.Input != nil && m.Input.Kind == "secret" {
			if ch.Links == nil {
				return nil, bot.Errorf(bot.EINVALID, "a secret question cannot be asked by text")
			}
			at := m.At
			link := ch.Links.Make(c.ID, c.Step, at.Add(ch.Links.TTL()))
			text = ch.Texts.SecretLink(link, int(ch.Links.TTL().Minutes()), c.Locale)
		}
		for _, p := range Split(text) {
			out = append(out, bot.Delivery{
				Channel: bot.DeliverSMS, To: to, From: c.Line(), Text: p.Text,
				Key: key + renderKey + strconv.Itoa(len(out)),
			})
		}
	}
	return out, nil
}

package main

import (
	"fmt"
	"io"
	"net/url"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// channel is one delivery channel as the configuration leaves it: live
// with a transport (via says which), or off. Only live channels are
// offered to patients for one-time codes (bot.Config.Channels).
type channel struct {
	name string // bot.DeliverEmail, bot.DeliverSMS
	via  string // "smtp HOST:PORT", "sms gateway HOST", "dev outbox"; "" when off
	key  string // the key that turns it on
}

// deliveryChannels says which channels can send. In demo mode the dev
// outbox stands in for a missing transport (notify.Sender records there).
func deliveryChannels(cfg *Config) []channel {
	email := channel{name: bot.DeliverEmail, key: "notify.email.smtp.addr"}
	sms := channel{name: bot.DeliverSMS, key: "notify.sms.url"}
	switch {
	case cfg.SMTP.Addr != "":
		email.via = "smtp " + cfg.SMTP.Addr
	case cfg.Demo:
		email.via = "dev outbox"
	}
	switch {
	case cfg.SMS.URL != "":
		sms.via = "sms gateway"
		if u, err := url.Parse(cfg.SMS.URL); err == nil {
			sms.via += " " + u.Host // the host only: a gateway's path may name the account
		}
	case cfg.Demo:
		sms.via = "dev outbox"
	}
	return []channel{email, sms}
}

// liveChannels names the channels that can send.
func liveChannels(cs []channel) []string {
	live := []string{}
	for _, c := range cs {
		if c.via != "" {
			live = append(live, c.name)
		}
	}
	return live
}

// printChannels adds to `config print` which channels are live, as
// comments: they follow from the keys above and are not keys themselves.
func printChannels(w io.Writer, cfg *Config) {
	for _, c := range deliveryChannels(cfg) {
		if c.via != "" {
			fmt.Fprintf(w, "# delivery channel %s: live (%s)\n", c.name, c.via)
		} else {
			fmt.Fprintf(w, "# delivery channel %s: off (%s is not set): not offered to patients\n", c.name, c.key)
		}
	}
}

// logChannels says at start-up which channels are live.
func logChannels(log zerolog.Logger, cs []channel) {
	ev := log.Info()
	for _, c := range cs {
		ev = ev.Str(c.name, c.state())
	}
	ev.Msg("delivery channels: only live ones are offered to patients")
	if len(liveChannels(cs)) == 0 {
		log.Warn().Msg("no delivery channel can send: patients cannot get a one-time code and are handed to a person instead")
	}
}

func (c channel) state() string {
	if c.via == "" {
		return "off"
	}
	return "live: " + c.via
}

package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/web"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/sqlite"
)

// SMSChannelSettings configure two-way SMS, the sms.* keys (docs/sms.md).
// The replies go out through the notify.sms.* transport.
type SMSChannelSettings struct {
	Enabled         bool
	Numbers         []string          // ours, E.164
	AuthToken       string            // the provider's, the key of webhook signatures
	SharedKeys      map[string]string // HMAC-SHA256 signing keys by id (sms.shared_keys, "id:secret")
	SessionIdle     time.Duration
	HelpContact     string
	ProviderReplies bool
}

// smsChannel reads the sms.* keys; with sms.enabled it checks that
// everything the channel needs is there.
func (p *parser) smsChannel(c *Config) SMSChannelSettings {
	s := SMSChannelSettings{
		Enabled: p.boolean("sms.enabled"), Numbers: p.list("sms.numbers"), AuthToken: p.str("sms.auth_token"),
		SessionIdle: p.duration("sms.session_idle"),
		HelpContact: p.str("sms.help_contact"), ProviderReplies: p.boolean("sms.provider_keyword_replies"),
	}
	for _, kv := range p.list("sms.shared_keys") {
		id, secret, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(id) == "" || strings.TrimSpace(secret) == "" {
			p.fail("sms.shared_keys", "each key is id:secret") // never quote it: it is a secret
			continue
		}
		if s.SharedKeys == nil {
			s.SharedKeys = map[string]string{}
		}
		s.SharedKeys[strings.TrimSpace(id)] = strings.TrimSpace(secret)
	}
	if !s.Enabled {
		return s
	}
	if len(s.Numbers) == 0 {
		p.fail("sms.numbers", "must list at least one number when sms.enabled is true")
	}
	for i, n := range s.Numbers {
		e164, err := sms.NormalizeNumber(n)
		if err != nil {
			p.fail("sms.numbers", "%s", bot.ErrorMessage(err))
			continue
		}
		s.Numbers[i] = e164
	}
	if s.AuthToken == "" {
		p.fail("sms.auth_token", "is required when sms.enabled is true: without it no inbound text can be verified")
	}
	if _, err := sms.WebhookURL(c.PublicURL); err != nil {
		p.fail("http.public_url", "%s (sms.enabled is true)", bot.ErrorMessage(err))
	}
	if c.SMS.URL == "" {
		p.fail("notify.sms.url", "is required when sms.enabled is true: replies go out through the SMS transport")
	}
	return s
}

// smsStore is what the SMS channel needs of the store beyond Store: the
// suppression list, the pairs' conversations and the segments, and
// queuing a keyword's reply. storage/sqlite and storage/postgres have it.
type smsStore interface {
	sms.Suppressions
	sms.Sessions
	sms.Queue
}

var (
	_ smsStore = (*sqlite.DB)(nil)
	_ smsStore = (*postgres.DB)(nil)
)

// smsTransport wraps the SMS transport: nothing goes to a number that
// texted STOP (the suppression list holds for codes and notices too), and
// every text sent is counted with its segments.
func (a *App) smsTransport(t notify.Transport) notify.Transport {
	st, ok := a.DB.(smsStore)
	if !ok {
		return t // no list: nobody can have texted STOP to this server
	}
	guard := sms.Guard{Next: t, List: st, Permanent: notify.ErrPermanent}
	return sms.Meter{Next: guard, Sessions: st, Metrics: smsMetrics{a}, Log: a.log.With().Str("component", "sms").Logger()}
}

// smsChannel is the engine's SMS conversation channel, nil when two-way
// SMS is off.
func (a *App) smsChannel() map[string]bot.Channel {
	s := a.cfg.SMSChannel
	if !s.Enabled {
		return nil
	}
	return map[string]bot.Channel{bot.ChannelSMS: &sms.Channel{
		Links: sms.NewLinks(a.cfg.PublicURL, sms.LinkKey(s.AuthToken)),
		Texts: a.smsTexts(),
	}}
}

func (a *App) smsTexts() sms.Texts {
	return sms.Texts{Clinic: a.cfg.PortalName, Contact: a.cfg.SMSChannel.HelpContact}
}

// smsWeb gives the web server the inbound webhook and the texted links'
// page, when two-way SMS is on.
func (a *App) smsWeb(wd *web.Deps) error {
	s := a.cfg.SMSChannel
	if !s.Enabled {
		return nil
	}
	log := a.log.With().Str("component", "sms").Logger()
	st, ok := a.DB.(smsStore)
	if !ok {
		return errors.New("sms.enabled: this storage driver has no SMS tables")
	}
	router := sms.NewRouter(sms.RouterConfig{
		SessionIdle: s.SessionIdle, Locale: bot.English, SourceKey: sms.LinkKey("source " + s.AuthToken), Kick: a.Sender.Kick,
	}, a.Engine, st, a.DB, st, smsMetrics{a}, log)
	h, err := sms.NewHandler(sms.Config{
		PublicURL: a.cfg.PublicURL, AuthToken: s.AuthToken, SharedKeys: s.SharedKeys, Numbers: s.Numbers,
		Texts: a.smsTexts(), Locale: bot.English, ProviderReplies: s.ProviderReplies,
	}, router, st, sms.Attempts{Store: a.DB}, log)
	if err != nil {
		return err
	}
	links := sms.NewLinks(a.cfg.PublicURL, sms.LinkKey(s.AuthToken))
	wd.SMS = web.SMSDeps{
		Inbound: h,
		Continue: func(ctx context.Context, token string) (string, string, error) {
			id, step, err := links.Check(token, time.Now())
			if err != nil {
				return "", "", err
			}
			return a.Engine.Handover(ctx, id, step)
		},
		Measure: func(text string) web.SMSMeasure {
			parts := sms.Split(text)
			m := web.SMSMeasure{Encoding: string(sms.Measure(text).Encoding), Messages: len(parts)}
			for _, p := range parts {
				m.Segments += p.Segments
			}
			return m
		},
		Choose: sms.Choose,
		Preview: func(m bot.Message, locale string) []web.SMSPart {
			var out []web.SMSPart
			for _, p := range sms.Preview(m, locale, links.Example(), a.smsTexts()) {
				out = append(out, web.SMSPart{Text: p.Text, Encoding: string(p.Encoding), Segments: p.Segments})
			}
			return out
		},
	}
	return nil
}

// smsMetrics counts texts in the Prometheus metrics, when they are on.
type smsMetrics struct{ a *App }

func (m smsMetrics) SMSIn(segments int) {
	if m.a.Metrics != nil {
		m.a.Metrics.SMSIn(segments)
	}
}

func (m smsMetrics) SMSOut(segments int) {
	if m.a.Metrics != nil {
		m.a.Metrics.SMSOut(segments)
	}
}

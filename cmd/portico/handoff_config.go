package main

import (
	"fmt"
	"time"

	"github.com/spf13/viper"

	"github.com/portico-chat/portico/bot"
)

// handoffDefaults are the human side's configuration keys.
var handoffDefaults = map[string]any{
	"handoff.default_queue": "portal-support",
	"handoff.auto_assign":   true,
	"handoff.capacity":      3,
	"handoff.timeout":       "5m",
	"handoff.agent_grace":   "2m",
	"handoff.max_misses":    5,
	"handoff.mailbox":       "",
	"handoff.queues":        []any{},

	// Who may knowingly go beyond an agent's capacity: none, admins or everyone.
	"handoff.capacity_override": bot.OverrideNone,
	// A waiting patient with no page open this long shows as gone in the queue.
	"handoff.patient_gone_after": "15s",
}

func init() {
	for k, v := range handoffDefaults {
		defaults[k] = v
	}
}

// HandoffSettings configure queues and routing.
type HandoffSettings struct {
	DefaultQueue string
	AutoAssign   bool
	Capacity     int
	Timeout      time.Duration
	AgentGrace   time.Duration
	MaxMisses    int
	Mailbox      string
	Queues       map[string]bot.Queue

	// CapacityOverride says who may knowingly take or give a chat beyond
	// an agent's capacity: none, admins or everyone.
	CapacityOverride string
	// PatientGoneAfter: a waiting patient with no page of the chat open
	// this long shows as gone in the queue, after those still there.
	PatientGoneAfter time.Duration
}

// queueConfig is one entry of handoff.queues in the config file:
//
//	handoff:
//	  queues:
//	    - name: portal-support
//	      priority: 10
//	      timezone: America/Chicago
//	      hours: ["mon-fri 08:00-18:00", "sat 09:00-13:00"]
//	      holidays: ["2026-12-25"]
//	      describe: "Monday to Friday 8 am to 6 pm, Saturday 9 am to 1 pm"
type queueConfig struct {
	Name     string   `mapstructure:"name"`
	Priority int      `mapstructure:"priority"`
	Timezone string   `mapstructure:"timezone"`
	Hours    []string `mapstructure:"hours"`
	Holidays []string `mapstructure:"holidays"`
	Describe string   `mapstructure:"describe"`
}

// handoff reads the handoff keys; problems go to p.
func (p *parser) handoff(v *viper.Viper) HandoffSettings {
	h := HandoffSettings{
		DefaultQueue: p.nonEmpty("handoff.default_queue"),
		AutoAssign:   p.boolean("handoff.auto_assign"),
		Capacity:     p.positive("handoff.capacity"),
		Timeout:      p.duration("handoff.timeout"),
		AgentGrace:   p.duration("handoff.agent_grace"),
		MaxMisses:    p.positive("handoff.max_misses"),
		Mailbox:      p.str("handoff.mailbox"),
		Queues:       map[string]bot.Queue{},

		CapacityOverride: p.oneOf("handoff.capacity_override", bot.OverrideNone, bot.OverrideAdmins, bot.OverrideEveryone),
		PatientGoneAfter: p.duration("handoff.patient_gone_after"),
	}
	var qs []queueConfig
	if err := v.UnmarshalKey("handoff.queues", &qs); err != nil {
		p.fail("handoff.queues", "%v", err)
		return h
	}
	for i, q := range qs {
		key := fmt.Sprintf("handoff.queues[%d]", i)
		if q.Name == "" {
			p.fail(key, "a queue needs a name")
			continue
		}
		if _, dup := h.Queues[q.Name]; dup {
			p.fail(key, "queue %q is listed twice", q.Name)
			continue
		}
		hours, err := bot.ParseHours(q.Timezone, q.Hours, q.Holidays)
		if err != nil {
			p.fail(key, "%v", err)
			continue
		}
		h.Queues[q.Name] = bot.Queue{Name: q.Name, Priority: q.Priority, Hours: hours, Describe: q.Describe}
	}
	if _, ok := h.Queues[h.DefaultQueue]; !ok && h.DefaultQueue != "" {
		h.Queues[h.DefaultQueue] = bot.Queue{Name: h.DefaultQueue} // always open unless configured
	}
	return h
}

// apply copies the settings into the engine's configuration.
func (h HandoffSettings) apply(c *bot.Config) {
	c.DefaultQueue, c.AutoAssign, c.AgentCapacity = h.DefaultQueue, h.AutoAssign, h.Capacity
	c.CapacityOverride, c.PatientGoneAfter = h.CapacityOverride, h.PatientGoneAfter
	c.HandoffTimeout, c.AgentGrace, c.MaxMisses = h.Timeout, h.AgentGrace, h.MaxMisses
	c.SupportMailbox, c.Queues = h.Mailbox, h.Queues
}

package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// scrapeTimeout bounds a scrape, its database reads included.
const scrapeTimeout = 5 * time.Second

// Gauges reads the gauges that storage keeps the truth of, at scrape time
// (storage/sqlite.DB implements it). Reading them rather than counting
// changes keeps them right across restarts and processes.
type Gauges interface {
	// OpenConversations counts conversations not closed, by status.
	OpenConversations(ctx context.Context) (map[string]int, error)
	// QueueLengths counts conversations waiting for a person, by queue.
	QueueLengths(ctx context.Context) (map[string]int, error)
}

// openStatuses are exported with 0 when no conversation has them.
var openStatuses = []bot.Status{bot.StatusBot, bot.StatusQueued, bot.StatusAgent}

// storeCollector reads the active-conversation and queue gauges.
type storeCollector struct {
	store  Gauges
	queues []string
	log    zerolog.Logger
	active *prometheus.Desc
	queue  *prometheus.Desc
}

func newStoreCollector(g Gauges, queues []string, log zerolog.Logger) *storeCollector {
	return &storeCollector{
		store: g, queues: queues, log: log,
		active: prometheus.NewDesc(namespace+"_conversations_active",
			"Conversations not closed, by status (bot, queued, agent); idle ones count until the sweep closes them.",
			[]string{"status"}, nil),
		queue: prometheus.NewDesc(namespace+"_queue_length",
			"Conversations waiting for a person, by queue.", []string{"queue"}, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.active
	ch <- c.queue
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := scrapeContext()
	defer cancel()
	if open, err := c.store.OpenConversations(ctx); err != nil {
		c.log.Error().Err(err).Msg("metrics: read active conversations")
		ch <- prometheus.NewInvalidMetric(c.active, err)
	} else {
		for _, s := range openStatuses {
			ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(open[string(s)]), string(s))
		}
	}
	lengths, err := c.store.QueueLengths(ctx)
	if err != nil {
		c.log.Error().Err(err).Msg("metrics: read queue lengths")
		ch <- prometheus.NewInvalidMetric(c.queue, err)
		return
	}
	for _, q := range c.queues {
		if _, ok := lengths[q]; !ok {
			lengths[q] = 0
		}
	}
	for q, n := range lengths {
		ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(n), q)
	}
}

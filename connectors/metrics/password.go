package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/portico-chat/portico/bot/password"
)

// passwordPool exposes the password hashing pool (bot/password): a burst
// of resets queues there for a slot, and these show how long the queue
// is and how long hashes waited in it.
func passwordPool() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "password_hash_queue",
			Help: "Password hashes waiting for a slot of the hashing pool.",
		}, func() float64 { return float64(password.Stats().Queued) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "password_hash_running",
			Help: "Password hashes running (at most password_hash_slots).",
		}, func() float64 { return float64(password.Stats().Running) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "password_hash_slots",
			Help: "Password hashes that may run at once (one per CPU).",
		}, func() float64 { return float64(password.Stats().Slots) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Name: "password_hashes_total",
			Help: "Password hashes started (argon2id: resets, sign-ins, the dummy compared for unknown accounts).",
		}, func() float64 { return float64(password.Stats().Hashes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Name: "password_hash_wait_seconds_total",
			Help: "Time password hashes spent queued for a slot, in all; divided by password_hashes_total, the average wait.",
		}, func() float64 { return password.Stats().Wait.Seconds() }),
	}
}

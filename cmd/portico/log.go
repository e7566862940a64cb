package main

import (
	"io"
	"time"

	"github.com/rs/zerolog"
)

// newLogger returns the process's logger: JSON by default, console for
// people in demo mode. No package has a global logger; this one is handed
// down.
func newLogger(w io.Writer, c *Config) zerolog.Logger {
	level, err := zerolog.ParseLevel(c.LogLevel)
	if err != nil {
		level = zerolog.InfoLevel
	}
	if c.LogFormat == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	return zerolog.New(w).Level(level).With().Timestamp().Str("node", c.Node).Logger()
}

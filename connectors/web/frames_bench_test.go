package web

import (
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Benchmarks of the patient socket's frame coding, the per-frame CPU cost
// outside the engine (docs/performance.md). Run with
//
//	go test -run '^$' -bench Frame -count 10 ./connectors/web | benchstat -

// BenchmarkFrameEncode encodes the frames of a typical turn: the ack, the
// patient's message coming back, and the bot's question with its input
// hint and quick replies.
func BenchmarkFrameEncode(b *testing.B) {
	at := time.Date(2026, 3, 1, 13, 4, 5, 0, time.UTC)
	events := []bot.Event{
		{Ack: &bot.Ack{ID: "s-17", Seq: 7}},
		{Message: &bot.Message{Seq: 7, From: bot.FromPatient, Text: "05/17/1985", At: at}},
		{Message: &bot.Message{Seq: 8, From: bot.FromBot, At: at,
			Text:    "Thank you. Where should we send you a one-time code?",
			Replies: []bot.Reply{{Label: "The email on file", Value: "email"}, {Label: "The mobile number on file", Value: "sms"}},
			Input:   &bot.Input{Kind: "choice", Slot: "channel"}}},
	}
	var size int64
	for _, ev := range events {
		f, err := encodeEvent(ev)
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(f))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, ev := range events {
			if _, err := encodeEvent(ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkFrameDecode decodes and validates client frames: a say with
// text, a say with a reply value, and a hello resuming a conversation.
func BenchmarkFrameDecode(b *testing.B) {
	frames := [][]byte{
		[]byte(`{"type":"say","id":"s-17","text":"05/17/1985"}`),
		[]byte(`{"type":"say","id":"s-18","reply":"email"}`),
		[]byte(`{"type":"hello","resume":"q6mWl1b0b9Qk2oUu8m3lJQm8rA4S0Ck5Zc9aX2oVb7E","last_seq":12,"locale":"en"}`),
	}
	var size int64
	for _, f := range frames {
		size += int64(len(f))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range frames {
			if _, err := DecodeClientFrame(f); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(frames))/b.Elapsed().Seconds(), "frames/s")
}

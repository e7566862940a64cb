//go:build race

package web

// raceDetector is set when the tests run with -race, whose shadow memory
// and instrumentation change what goroutines and objects cost.
const raceDetector = true

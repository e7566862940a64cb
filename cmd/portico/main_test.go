package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary act as the portico command, so the crash
// tests can run a real server process and SIGKILL it without a separate
// build.
func TestMain(m *testing.M) {
	if os.Getenv("PORTICO_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

package flows

import (
	"context"
	"testing"
)

// BenchmarkStepNewMachine is one dialog step as the runtime took it before
// machines were reused: a machine built for the step, then fired.
func BenchmarkStepNewMachine(b *testing.B) {
	f, _ := builtinSetB(b).Get("reset_password")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m := f.Machine("verify")
		if err := m.Event(ctx, "verified"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepFire is one dialog step as the runtime takes it: a machine
// of the flow's pool, set to the state and fired.
func BenchmarkStepFire(b *testing.B) {
	f, _ := builtinSetB(b).Get("reset_password")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Fire(ctx, "verify", "verified"); err != nil {
			b.Fatal(err)
		}
	}
}

func builtinSetB(b *testing.B) *Set {
	b.Helper()
	s, err := ParseSet(Builtin(), testCatalog())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

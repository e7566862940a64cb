//go:build !linux

package password

// lowerThreadPriority does nothing where threads have no portable
// priority; hashes then compete with turns as equals.
func lowerThreadPriority() {}

// lowerProcessPriority does nothing here either.
func lowerProcessPriority() {}

package password

import (
	"os"
	"strconv"
	"syscall"
)

// hashNice is the nice value of a thread computing a password hash: low
// enough that the kernel prefers request-serving threads (nice 0 weighs
// about ten times more), high enough that hashes still use every idle
// cycle.
const hashNice = 10

// lowerThreadPriority sets the calling OS thread's nice value to hashNice.
// On Linux setpriority with a thread id affects that thread only; raising
// one's own nice value needs no privilege. Failure changes nothing else.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), hashNice)
}

// lowerProcessPriority sets every thread of the process to hashNice. A
// thread's nice value is its own on Linux, and a new thread takes its
// creator's: once every thread is lowered, every later one is too. The
// second pass takes a thread the runtime started during the first.
func lowerProcessPriority() {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			lowerThreadPriority()
			return
		}
		for _, t := range tasks {
			if tid, err := strconv.Atoi(t.Name()); err == nil {
				_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, hashNice)
			}
		}
	}
}

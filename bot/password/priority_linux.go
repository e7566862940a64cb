package password

import "syscall"

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

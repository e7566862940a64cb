package bottest

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Cost is what the process has spent so far: CPU time, and the write and
// read system calls and bytes written (/proc/self/io). The counts do not
// depend on how busy the machine is, so a change in them shows even when
// the timings are noise.
type Cost struct {
	cpu                 float64 // seconds, user + system
	syscw, syscr, wchar float64
	haveIO              bool
}

// ReadCost reads the process's cost so far.
func ReadCost() Cost {
	var c Cost
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.cpu = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return c
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		switch k {
		case "syscw":
			c.syscw = n
		case "syscr":
			c.syscr = n
		case "wchar":
			c.wchar = n
		}
	}
	c.haveIO = true
	return c
}

// Report adds the cost since c, per turn, to b's results.
func (c Cost) Report(b *testing.B, turns int) {
	if turns == 0 {
		return
	}
	now := ReadCost()
	n := float64(turns)
	b.ReportMetric((now.cpu-c.cpu)*1e6/n, "cpu-µs/turn")
	if c.haveIO && now.haveIO {
		b.ReportMetric((now.syscw-c.syscw)/n, "write-calls/turn")
		b.ReportMetric((now.syscr-c.syscr)/n, "read-calls/turn")
		b.ReportMetric((now.wchar-c.wchar)/1024/n, "KiB-written/turn")
	}
}

package password

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// A burst of 24 hashes: at most HashConcurrency run at once, the rest wait
// in the pool's queue (counted), and every one completes once slots free.
func TestHashPoolBound(t *testing.T) {
	const burst = 24
	slots := HashConcurrency()
	entered := make(chan struct{}, burst)
	release := make(chan struct{})
	var mu sync.Mutex
	inside, most := 0, 0
	idKey = func(pw, salt []byte, passes, memory uint32, threads uint8, keyLen uint32) []byte {
		mu.Lock()
		inside++
		most = max(most, inside)
		mu.Unlock()
		entered <- struct{}{}
		<-release
		mu.Lock()
		inside--
		mu.Unlock()
		return make([]byte, keyLen)
	}
	t.Cleanup(func() { idKey = realIDKey })
	before := Stats()

	var wg sync.WaitGroup
	for range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := Hash("correct horse battery staple"); err != nil {
				t.Error(err)
			}
		}()
	}
	for range slots {
		<-entered
	}
	// The others must be queued for a slot, not running.
	deadline := time.Now().Add(10 * time.Second)
	for Stats().Queued < burst-slots {
		if time.Now().After(deadline) {
			t.Fatalf("queued %d, want %d", Stats().Queued, burst-slots)
		}
		time.Sleep(time.Millisecond)
	}
	s := Stats()
	if s.Running != slots || s.Queued != burst-slots {
		t.Errorf("running %d, queued %d; want %d and %d", s.Running, s.Queued, slots, burst-slots)
	}
	close(release)
	wg.Wait()

	after := Stats()
	if most > slots {
		t.Errorf("%d hashes ran at once, want at most %d", most, slots)
	}
	if got := after.Hashes - before.Hashes; got != burst {
		t.Errorf("%d hashes counted, want %d", got, burst)
	}
	if after.Running != 0 || after.Queued != 0 {
		t.Errorf("after the burst: running %d, queued %d; want 0", after.Running, after.Queued)
	}
	if after.Wait <= before.Wait || after.MaxQueued < burst-slots {
		t.Errorf("wait %v → %v, longest queue %d: the queue's wait was not counted", before.Wait, after.Wait, after.MaxQueued)
	}
}

var realIDKey = idKey

// The same burst with real argon2id hashes: all complete and verify.
func TestHashBurstReal(t *testing.T) {
	if testing.Short() {
		t.Skip("20 argon2id hashes")
	}
	const burst = 20
	var wg sync.WaitGroup
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := "burst password " + string(rune('a'+i))
			h, err := Hash(pw)
			if err != nil {
				t.Error(err)
				return
			}
			if !Matches(h, pw) {
				t.Errorf("hash %d does not match its password", i)
			}
		}()
	}
	wg.Wait()
	if s := Stats(); s.Running != 0 || s.Queued != 0 {
		t.Errorf("after the burst: running %d, queued %d", s.Running, s.Queued)
	}
}

// liveHeap stands for a server's live heap (conversations, sockets) while
// hashes run: the collector's pace depends on it.
var liveHeap [][]byte

// BenchmarkHashGC hashes on every slot beside a 32 MiB live heap and
// reports the garbage collections per hash: each argon2id call allocates
// 19 MiB, and each collection takes CPU from the engine's turns. Compare
// GOGC settings (GOGC=100, GOGC=400 go test -bench HashGC).
func BenchmarkHashGC(b *testing.B) {
	liveHeap = make([][]byte, 32)
	for i := range liveHeap {
		liveHeap[i] = make([]byte, 1<<20)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.SetParallelism(1)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Hash("copper lantern raw harbor"); err != nil {
				b.Error(err)
			}
		}
	})
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.NumGC-before.NumGC)/float64(b.N), "GCs/hash")
	b.ReportMetric(float64(after.PauseTotalNs-before.PauseTotalNs)/float64(b.N)/1e3, "µs-pause/hash")
	runtime.KeepAlive(liveHeap)
}
